using System.Runtime.InteropServices;

using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.Testing.Gguf;

namespace RagAssistant.Testing.Models;

/// <summary>
/// Writes llama-architecture GGUF models with seeded random weights and a <see cref="SyntheticVocabulary"/>:
/// the same tensor names, shapes and metadata keys as a real llama model (e.g. stories260K), so llama.cpp loads
/// and runs them like any other. Output is meaningless text; use them for plumbing tests and speed measurements.
/// </summary>
/// <remarks>
/// The output-projection rows of the control tokens (BOS, EOS, ChatML markers) are zero, so their logit is always 0
/// while some random logit is positive: greedy generation never ends early on an end-of-generation token, which keeps
/// token counts in tests and benchmarks exact.
/// </remarks>
public static class SyntheticLlamaModel
{
    private const int ChunkElements = 1 << 16;

    /// <summary>Writes <see cref="SyntheticLlamaModelSpec.Tiny"/> to <paramref name="path"/>.</summary>
    public static void WriteTiny(string path, int seed = 1) => Write(path, SyntheticLlamaModelSpec.Tiny, seed);

    /// <summary>Writes <see cref="SyntheticLlamaModelSpec.Qwen05BLike"/> (F16, about 1 GB) to <paramref name="path"/>.</summary>
    public static void WriteQwen05BLike(string path, int seed = 1) => Write(path, SyntheticLlamaModelSpec.Qwen05BLike, seed);

    /// <summary>Writes a model of <paramref name="spec"/>'s dimensions; the same seed gives byte-identical files.</summary>
    public static void Write(string path, SyntheticLlamaModelSpec spec, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        CreateWriter(spec, seed).Save(path);
    }

    /// <summary>Builds the writer (metadata and tensor table) without writing, e.g. to stream the model elsewhere.</summary>
    public static GgufWriter CreateWriter(SyntheticLlamaModelSpec spec, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var vocabulary = SyntheticVocabulary.Create(spec.VocabularySize, includeChatMarkers: spec.ChatTemplate is not null);
        var writer = new GgufWriter();
        AddMetadata(writer, spec, vocabulary);
        AddTensors(writer, spec, vocabulary, seed);
        return writer;
    }

    private static void AddMetadata(GgufWriter writer, SyntheticLlamaModelSpec spec, SyntheticVocabulary vocabulary)
    {
        const string arch = "llama";
        string Key(string key) => GgufKeys.ForArchitecture(arch, key);

        writer.AddMetadata(GgufKeys.Architecture, arch)
            .AddMetadata(GgufKeys.Name, spec.Name)
            .AddMetadata(GgufKeys.FileType, spec.WeightType switch { GgmlType.F16 => 1u, GgmlType.BF16 => 32u, _ => 0u })
            .AddMetadata(Key(GgufKeys.ContextLength), (uint)spec.ContextLength)
            .AddMetadata(Key(GgufKeys.EmbeddingLength), (uint)spec.EmbeddingLength)
            .AddMetadata(Key(GgufKeys.FeedForwardLength), (uint)spec.FeedForwardLength)
            .AddMetadata(Key(GgufKeys.HeadCount), (uint)spec.HeadCount)
            .AddMetadata(Key(GgufKeys.HeadCountKv), (uint)spec.HeadCountKv)
            .AddMetadata(Key(GgufKeys.BlockCount), (uint)spec.BlockCount)
            .AddMetadata(Key(GgufKeys.RopeDimensionCount), (uint)spec.HeadDimension)
            .AddMetadata(Key(GgufKeys.RopeFreqBase), spec.RopeFreqBase)
            .AddMetadata(Key(GgufKeys.RmsNormEpsilon), spec.RmsNormEpsilon)
            .AddMetadata(Key(GgufKeys.VocabSize), (uint)spec.VocabularySize)
            .AddMetadata(GgufKeys.TokenizerModel, "llama")
            .AddMetadata(GgufKeys.Tokens, GgufValue.FromArray(vocabulary.Tokens))
            .AddMetadata(GgufKeys.Scores, GgufValue.FromArray(vocabulary.Scores))
            .AddMetadata(GgufKeys.TokenTypes, GgufValue.FromArray(vocabulary.TokenTypes))
            .AddMetadata(GgufKeys.UnknownTokenId, (uint)SyntheticVocabulary.UnknownId)
            .AddMetadata(GgufKeys.BosTokenId, (uint)SyntheticVocabulary.BosId)
            .AddMetadata(GgufKeys.EosTokenId, (uint)SyntheticVocabulary.EosId)
            .AddMetadata(GgufKeys.AddBosToken, true)
            .AddMetadata(GgufKeys.AddEosToken, false);

        if (spec.ChatTemplate is not null)
        {
            writer.AddMetadata(GgufKeys.ChatTemplate, spec.ChatTemplate);
        }
    }

    private static void AddTensors(GgufWriter writer, SyntheticLlamaModelSpec spec, SyntheticVocabulary vocabulary, int seed)
    {
        long embd = spec.EmbeddingLength;
        long vocab = spec.VocabularySize;
        long embdKv = (long)spec.HeadDimension * spec.HeadCountKv;
        long ff = spec.FeedForwardLength;
        GgmlType matrix = spec.WeightType;
        int index = 0;

        // The output projection (or the embeddings when tied) gets zero rows for control tokens: see the class remarks.
        HashSet<int> silentRows = [.. vocabulary.ControlTokenIds];
        writer.AddTensor("token_embd.weight", [embd, vocab], matrix, Random(seed, index++, 0.1f, spec.TiedEmbeddings ? (embd, silentRows) : null));
        writer.AddTensor("output_norm.weight", [embd], GgmlType.F32, Constant(1f));
        if (!spec.TiedEmbeddings)
        {
            writer.AddTensor("output.weight", [embd, vocab], matrix, Random(seed, index++, Scale(embd), (embd, silentRows)));
        }

        for (int block = 0; block < spec.BlockCount; block++)
        {
            string Name(string tensor) => $"blk.{block}.{tensor}.weight";
            writer.AddTensor(Name("attn_q"), [embd, embd], matrix, Random(seed, index++, Scale(embd)));
            writer.AddTensor(Name("attn_k"), [embd, embdKv], matrix, Random(seed, index++, Scale(embd)));
            writer.AddTensor(Name("attn_v"), [embd, embdKv], matrix, Random(seed, index++, Scale(embd)));
            writer.AddTensor(Name("attn_output"), [embd, embd], matrix, Random(seed, index++, Scale(embd)));
            writer.AddTensor(Name("attn_norm"), [embd], GgmlType.F32, Constant(1f));
            writer.AddTensor(Name("ffn_gate"), [embd, ff], matrix, Random(seed, index++, Scale(embd)));
            writer.AddTensor(Name("ffn_down"), [ff, embd], matrix, Random(seed, index++, Scale(ff)));
            writer.AddTensor(Name("ffn_up"), [embd, ff], matrix, Random(seed, index++, Scale(embd)));
            writer.AddTensor(Name("ffn_norm"), [embd], GgmlType.F32, Constant(1f));
        }
    }

    // Uniform(-s, s) with s = 1/sqrt(fan_in) keeps activations near unit scale through the blocks.
    private static float Scale(long fanIn) => 1f / MathF.Sqrt(fanIn);

    private static GgufTensorDataSource Constant(float value) => sink =>
    {
        float[] chunk = new float[(int)Math.Min(sink.Remaining, ChunkElements)];
        Array.Fill(chunk, value);
        while (sink.Remaining > 0)
        {
            sink.Write(chunk.AsSpan(0, (int)Math.Min(sink.Remaining, chunk.Length)));
        }
    };

    /// <summary>
    /// Uniform random values, one independent stream per tensor. With <paramref name="silent"/>, the listed rows
    /// (each <c>RowLength</c> elements, the tensor's innermost dimension) are zero.
    /// </summary>
    private static GgufTensorDataSource Random(int seed, int tensorIndex, float scale, (long RowLength, IReadOnlySet<int> Rows)? silent = null) => sink =>
    {
        var random = new Random(unchecked((seed * 1_000_003) + tensorIndex));
        float[] chunk = new float[(int)Math.Min(sink.Remaining, ChunkElements)];
        uint[] bits = new uint[chunk.Length];
        long written = 0;
        while (sink.Remaining > 0)
        {
            int count = (int)Math.Min(sink.Remaining, chunk.Length);

            // Random bytes in bulk, mapped to [-1, 1): far faster than NextSingle per element for a 1 GB model.
            random.NextBytes(MemoryMarshal.AsBytes(bits.AsSpan(0, count)));
            for (int i = 0; i < count; i++)
            {
                chunk[i] = (((bits[i] >> 8) * (2f / (1 << 24))) - 1f) * scale;
            }

            if (silent is { } zero)
            {
                foreach (int row in zero.Rows)
                {
                    long rowStart = row * zero.RowLength;
                    long start = Math.Max(rowStart, written);
                    long end = Math.Min(rowStart + zero.RowLength, written + count);
                    if (start < end)
                    {
                        chunk.AsSpan((int)(start - written), (int)(end - start)).Clear();
                    }
                }
            }

            sink.Write(chunk.AsSpan(0, count));
            written += count;
        }
    };
}
