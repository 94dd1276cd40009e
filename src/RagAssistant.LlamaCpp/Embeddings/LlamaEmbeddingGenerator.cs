using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Embeddings;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over a local GGUF embedding model run by llama.cpp:
/// one persistent context, several texts per decode, the model's pooling, L2-normalised. The input kind picks the
/// prefix: set <c>EmbeddingGenerationOptions.AdditionalProperties["input_type"]</c> to "query" or "document" (default).
/// </summary>
/// <remarks>
/// Over-length rule: a text longer than <see cref="LlamaEmbeddingGeneratorOptions.ContextSize"/> tokens (prefix and
/// special tokens included) is truncated to its first ContextSize tokens, and each call that truncates logs a warning
/// with the count. Split documents into passages that fit (the indexer does) to embed all of their text.
/// LLamaSharp serialises every decode in the process, so GGUF embeddings and chat generation take turns.
/// </remarks>
public sealed partial class LlamaEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Key in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> that says what is embedded.</summary>
    public const string InputTypeKey = "input_type";

    private readonly LlamaEmbeddingGeneratorOptions _options;
    private readonly LlamaContext _context;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly ILogger _logger;

    /// <summary>Loads the embedding model and creates its embedding context; this is where the file is read.</summary>
    /// <param name="options">The embedding model and how it runs (validated at start when registered through <c>AddLlamaEmbeddingGenerator</c>).</param>
    /// <param name="runtime">The llama.cpp backend; null = <see cref="LlamaBackend.Auto"/> with the packaged natives.</param>
    /// <param name="loggerFactory">Receives the generator's and llama.cpp's log; null = no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="Native.LlamaBackendException">The configured backend cannot run here.</exception>
    /// <exception cref="Gguf.ModelFileException">The model file is missing, not a valid GGUF model, or refused by llama.cpp; the message names the file and the fix.</exception>
    public LlamaEmbeddingGenerator(IOptions<LlamaEmbeddingGeneratorOptions> options, IOptions<LlamaRuntimeOptions>? runtime = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<LlamaEmbeddingGenerator>();
        var runtimeOptions = runtime?.Value ?? new LlamaRuntimeOptions();
        Native.LlamaNativeLibrary.EnsureInitialized(runtimeOptions.Backend, runtimeOptions.NativeLibraryPath, loggerFactory);
        Model = LlamaModel.Load(_options.ModelPath, new LlamaModelLoadOptions { GpuLayers = _options.GpuLayers, Role = ModelFileRole.Embedding }, loggerFactory);
        try
        {
            _context = Model.CreateContext(new LlamaContextOptions
            {
                Embeddings = true,
                ContextSize = _options.ContextSize,
                BatchSize = _options.ContextSize,
                MaxSequences = _options.MaxBatchTexts,
                Pooling = _options.Pooling,
                Threads = _options.Threads,
            });
        }
        catch
        {
            Model.Dispose();
            throw;
        }

        // Identity for caches: a changed file (size or time), pooling or document prefix means different vectors.
        // The prefix hash must be stable across processes (string.GetHashCode is randomised per process).
        var file = new FileInfo(_options.ModelPath);
        var prefixHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_options.DocumentPrefix)))[..8];
        var identity = $"{file.Name}:{file.Length}:{file.LastWriteTimeUtc.Ticks}:{_options.Pooling}:{prefixHash}";
        _metadata = new EmbeddingGeneratorMetadata("llama.cpp", new Uri(file.FullName), identity, Model.Info.EmbeddingLength);
    }

    /// <summary>The loaded model.</summary>
    public LlamaModel Model { get; }

    /// <summary>Vector length (the model's embedding length, e.g. 384 for bge-small).</summary>
    public int Dimensions => Model.Info.EmbeddingLength;

    /// <summary>
    /// Embeds <paramref name="values"/>, <see cref="LlamaEmbeddingGeneratorOptions.MaxBatchTexts"/> texts per llama.cpp call.
    /// Each vector has <see cref="Dimensions"/> floats and unit length (L2-normalised), so a dot product is the cosine.
    /// Texts longer than <see cref="LlamaEmbeddingGeneratorOptions.ContextSize"/> tokens are truncated, with a warning in the log.
    /// </summary>
    /// <param name="values">The texts, in order.</param>
    /// <param name="options"><see cref="InputTypeKey"/> = "query" in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> prepends the query prefix; otherwise the document prefix.</param>
    /// <param name="cancellationToken">Stops between llama.cpp calls.</param>
    /// <returns>One embedding per text, in the same order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToList();
        var isQuery = options?.AdditionalProperties?.TryGetValue(InputTypeKey, out string? kind) == true && string.Equals(kind, "query", StringComparison.OrdinalIgnoreCase);
        var prefix = isQuery ? _options.QueryPrefix : _options.DocumentPrefix;
        var limit = _context.BatchSize;
        var sequences = new List<int[]>(texts.Count);
        var inputTokens = 0;
        var truncated = 0;
        var longest = 0;
        foreach (var text in texts)
        {
            var tokens = Model.Tokenize(prefix + text, addSpecial: true, parseSpecial: false);
            if (tokens.Length > limit)
            {
                truncated++;
                longest = Math.Max(longest, tokens.Length);
                tokens = tokens[..limit];
            }

            inputTokens += tokens.Length;
            sequences.Add(tokens);
        }

        if (truncated > 0)
        {
            LogTruncated(_logger, truncated, longest, limit);
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        float[][] vectors;
        try
        {
            vectors = await Task.Run(() => _context.Embed(sequences, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length)
        {
            Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = inputTokens },
        };
        var created = DateTimeOffset.UtcNow;
        foreach (var vector in vectors)
        {
            Normalize(vector);
            result.Add(new Embedding<float>(vector) { ModelId = _metadata.DefaultModelId, CreatedAt = created });
        }

        return result;
    }

    private static void Normalize(float[] vector)
    {
        double sum = 0;
        foreach (var v in vector)
        {
            sum += v * v;
        }

        if (sum <= 0)
        {
            return;
        }

        var scale = (float)(1 / Math.Sqrt(sum));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }

    /// <summary>Returns <see cref="EmbeddingGeneratorMetadata"/>, the model's <see cref="LlamaModelInfo"/>, or this generator; null for anything else or any key.</summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">Must be null; keyed requests get null.</param>
    /// <returns>The service, or null.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType == typeof(LlamaModelInfo) ? Model.Info
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Frees the embedding context and the model weights. Call it once no embedding is running.</summary>
    public void Dispose()
    {
        _context.Dispose();
        Model.Dispose();
        _lock.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} text(s) (the longest {Tokens} tokens) were truncated to the embedding context of {Limit} tokens; raise EmbeddingModel:ContextSize or split documents into shorter passages.")]
    private static partial void LogTruncated(ILogger logger, int count, int tokens, int limit);
}
