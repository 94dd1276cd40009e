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
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
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

    /// <summary>Receives one row of a batch: its token states, [tokens, dimensions] row-major, padding left out.</summary>
    /// <param name="row">The row's index in the batch.</param>
    /// <param name="states">The last hidden states of the row's tokens.</param>
    protected delegate void HiddenRow(int row, ReadOnlySpan<float> states);

    /// <summary>
    /// Runs one batch of token ids through a BERT-shaped session (inputs input_ids, attention_mask, token_type_ids;
    /// first output the last hidden state), padded to its longest row, and hands each row's states to
    /// <paramref name="receive"/>.
    /// </summary>
    /// <param name="session">The model's session.</param>
    /// <param name="batch">Token ids per row, [CLS] and [SEP] included.</param>
    /// <param name="dimensions">The hidden size.</param>
    /// <param name="receive">Called once per row, in order.</param>
    /// <param name="cancellationToken">Terminates the running call.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    protected static void RunBatch(InferenceSession session, int[][] batch, int dimensions, HiddenRow receive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(receive);
        var rows = batch.Length;
        var length = batch.Max(t => t.Length);
        var ids = new long[rows * length];
        var mask = new long[rows * length];
        var types = new long[rows * length]; // one segment: all zeros
        for (var r = 0; r < rows; r++)
        {
            for (var t = 0; t < batch[r].Length; t++)
            {
                ids[(r * length) + t] = batch[r][t];
                mask[(r * length) + t] = 1;
            }
        }

        long[] shape = [rows, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        try
        {
            using var outputs = session.Run(runOptions, InputNames, [idsValue, maskValue, typesValue], [session.OutputNames[0]]);
            cancellationToken.ThrowIfCancellationRequested();
            var hidden = outputs[0].GetTensorDataAsSpan<float>(); // [rows, length, dimensions]
            for (var r = 0; r < rows; r++)
            {
                receive(r, hidden.Slice(r * length * dimensions, batch[r].Length * dimensions));
            }
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Scales <paramref name="vector"/> to unit length in place (a zero vector stays zero).</summary>
    /// <param name="vector">The vector.</param>
    protected static void Normalize(Span<float> vector)
    {
        var norm = MathF.Max(MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(vector)), 1e-12f);
        System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
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
