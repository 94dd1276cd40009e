using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace RagAssistant.Onnx.Embeddings;

/// <summary>
/// What the bundled ONNX embedders share as <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: their
/// <see cref="EmbeddingGeneratorMetadata"/> (the identity embedding caches are keyed by) and how a call's vectors
/// become its result.
/// </summary>
/// <param name="modelId">The model and package version, e.g. "all-MiniLM-L6-v2@24.9.52193.0".</param>
/// <param name="dimensions">Vector length.</param>
public abstract class BundledEmbeddingGenerator(string modelId, int dimensions) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, modelId, dimensions);

    /// <inheritdoc/>
    public abstract Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);

    /// <summary>
    /// The ONNX Runtime session options of a bundled embedder: <paramref name="threads"/> intra-op threads, sequential
    /// execution, every graph optimisation, and no spinning: the two bundled models share the cores, and a session's
    /// threads spinning after its own call (ONNX Runtime's default) slowed the other's query embedding about threefold.
    /// </summary>
    /// <param name="threads">Intra-op threads.</param>
    /// <returns>New options; the caller disposes them once the session is made.</returns>
    protected static SessionOptions SessionOptionsFor(int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    /// <summary>One embedding per vector, in order, stamped with the model id; with the input token count when known.</summary>
    /// <param name="vectors">The call's vectors, in input order.</param>
    /// <param name="inputTokens">Tokens read, or null when the model does not say.</param>
    /// <returns>The call's result.</returns>
    protected GeneratedEmbeddings<Embedding<float>> Result(IEnumerable<float[]> vectors, int? inputTokens) =>
        new(vectors.Select(v => new Embedding<float>(v) { ModelId = _metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow }))
        {
            Usage = inputTokens is { } tokens ? new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens } : null,
        };
}
