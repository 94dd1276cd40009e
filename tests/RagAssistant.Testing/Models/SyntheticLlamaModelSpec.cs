using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.Testing.Gguf;

namespace RagAssistant.Testing.Models;

/// <summary>
/// Dimensions of a synthetic llama-architecture model written by <see cref="SyntheticLlamaModel"/>.
/// Speed does not depend on weight values, so random weights with real dimensions measure a real model's speed.
/// </summary>
public sealed record SyntheticLlamaModelSpec
{
    /// <summary>The ChatML template text; llama.cpp recognises it by its <c>&lt;|im_start|&gt;</c> markers.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>
    /// A very small model for fast tests: 512-token vocabulary, 64-wide embeddings, 2 blocks, 4 heads / 2 KV heads,
    /// F32, ChatML template. About 0.5 MB; loads and generates in milliseconds.
    /// </summary>
    public static SyntheticLlamaModelSpec Tiny { get; } = new()
    {
        Name = "synthetic-tiny-llama",
        VocabularySize = 512,
        EmbeddingLength = 64,
        BlockCount = 2,
        HeadCount = 4,
        HeadCountKv = 2,
        FeedForwardLength = 128,
        ContextLength = 2048,
        WeightType = GgmlType.F32,
    };

    /// <summary>
    /// The dimensions of Qwen2.5-0.5B (896-wide, 24 blocks, 14 heads / 2 KV heads, FFN 4864, 151,936-token vocabulary,
    /// tied embeddings) in the llama architecture, F16. About 1 GB; quantize it to Q4_K_M for speed measurements.
    /// </summary>
    public static SyntheticLlamaModelSpec Qwen05BLike { get; } = new()
    {
        Name = "synthetic-qwen2.5-0.5b-like",
        VocabularySize = 151_936,
        EmbeddingLength = 896,
        BlockCount = 24,
        HeadCount = 14,
        HeadCountKv = 2,
        FeedForwardLength = 4864,
        ContextLength = 32_768,
        RmsNormEpsilon = 1e-6f,
        RopeFreqBase = 1_000_000f,
        TiedEmbeddings = true,
        WeightType = GgmlType.F16,
    };

    /// <summary><c>general.name</c>.</summary>
    public string Name { get; init; } = "synthetic-llama";

    /// <summary>Tokens in the vocabulary (at least 3 control + 256 byte tokens + 64 pieces).</summary>
    public int VocabularySize { get; init; } = 512;

    public int EmbeddingLength { get; init; } = 64;

    public int BlockCount { get; init; } = 2;

    public int HeadCount { get; init; } = 4;

    public int HeadCountKv { get; init; } = 2;

    public int FeedForwardLength { get; init; } = 128;

    /// <summary>Training context length the model declares.</summary>
    public int ContextLength { get; init; } = 2048;

    public float RmsNormEpsilon { get; init; } = 1e-5f;

    public float RopeFreqBase { get; init; } = 10_000f;

    /// <summary>When true there is no <c>output.weight</c>: llama.cpp reuses <c>token_embd.weight</c>, as Qwen2.5-0.5B does.</summary>
    public bool TiedEmbeddings { get; init; }

    /// <summary>Storage type of the 2-D weight matrices (F32, F16 or BF16); norms are always F32.</summary>
    public GgmlType WeightType { get; init; } = GgmlType.F32;

    /// <summary><c>tokenizer.chat_template</c>; null writes a model without one. Its ChatML tokens are added to the vocabulary.</summary>
    public string? ChatTemplate { get; init; } = ChatMlTemplate;

    /// <summary>Width of one attention head.</summary>
    public int HeadDimension => EmbeddingLength / HeadCount;

    /// <summary>Throws when the dimensions cannot form a valid llama model.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("A model name is required.", nameof(Name));
        }

        if (EmbeddingLength <= 0 || BlockCount <= 0 || HeadCount <= 0 || HeadCountKv <= 0 || FeedForwardLength <= 0 || ContextLength <= 0)
        {
            throw new ArgumentException("All dimensions must be positive.");
        }

        if (EmbeddingLength % HeadCount != 0 || HeadCount % HeadCountKv != 0)
        {
            throw new ArgumentException($"EmbeddingLength ({EmbeddingLength}) must be a multiple of HeadCount ({HeadCount}), and HeadCount of HeadCountKv ({HeadCountKv}).");
        }

        if (VocabularySize < SyntheticVocabulary.MinimumSize)
        {
            throw new ArgumentException($"VocabularySize must be at least {SyntheticVocabulary.MinimumSize} (control, byte and basic pieces).", nameof(VocabularySize));
        }

        if (WeightType is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
        {
            throw new ArgumentException("WeightType must be F32, F16 or BF16; quantize afterwards with llama.cpp.", nameof(WeightType));
        }
    }
}
