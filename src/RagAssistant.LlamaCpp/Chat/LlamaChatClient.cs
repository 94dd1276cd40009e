using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Chat;

/// <summary>
/// <see cref="IChatClient"/> over a local GGUF model run by llama.cpp. Each of the configured slots is a
/// context with its own KV cache; a request takes the free slot whose cache shares the longest prefix
/// with its prompt (a follow-up reuses the conversation so far), and waits when all are busy.
/// </summary>
public sealed partial class LlamaChatClient : IChatClient
{
    private readonly LlamaChatClientOptions _options;
    private readonly ILogger _logger;
    private readonly ChatPromptFormatter _formatter;
    private readonly List<LlamaContext> _free;
    private readonly List<LlamaContext> _all;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _gate = new();
    private readonly ChatClientMetadata _metadata;
    private bool _disposed;

    /// <summary>
    /// Loads the chat model and creates one context per slot; this is where the file is read, so it takes seconds and
    /// memory for the weights plus each slot's KV cache (<see cref="LlamaChatClientOptions.ContextSize"/> tokens).
    /// </summary>
    /// <param name="options">The chat model and how it runs (validated at start when registered through <c>AddLlamaChatClient</c>).</param>
    /// <param name="runtime">The llama.cpp backend; null = <see cref="LlamaBackend.Auto"/> with the packaged natives.</param>
    /// <param name="loggerFactory">Receives the client's and llama.cpp's log; null = no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="Native.LlamaBackendException">The configured backend cannot run here.</exception>
    /// <exception cref="Gguf.ModelFileException">The model file is missing, not a valid GGUF model, or refused by llama.cpp; the message names the file and the fix.</exception>
    /// <exception cref="InvalidOperationException">The model is encoder-only (an embedding model): it cannot chat.</exception>
    public LlamaChatClient(IOptions<LlamaChatClientOptions> options, IOptions<LlamaRuntimeOptions>? runtime = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<LlamaChatClient>();

        var runtimeOptions = runtime?.Value ?? new LlamaRuntimeOptions();
        Native.LlamaNativeLibrary.EnsureInitialized(runtimeOptions.Backend, runtimeOptions.NativeLibraryPath, loggerFactory);
        Model = LlamaModel.Load(_options.ModelPath, new LlamaModelLoadOptions { GpuLayers = _options.GpuLayers }, loggerFactory);
        try
        {
            if (Model.Info.IsEncoderOnly)
            {
                throw new InvalidOperationException($"{Path.GetFileName(_options.ModelPath)} is an encoder-only ({Model.Info.Architecture}) model: it embeds text but cannot chat. Use it as EmbeddingModel:ModelPath and pick a chat model for ChatModel:ModelPath.");
            }

            _formatter = new ChatPromptFormatter(Model, _options.ChatTemplate);
            if (_formatter.UsesFallback)
            {
                LogNoChatTemplate(_logger, Path.GetFileName(_options.ModelPath));
            }

            var contextOptions = new LlamaContextOptions
            {
                ContextSize = _options.ContextSize,
                BatchSize = _options.BatchSize,
                Threads = _options.Threads,
            };
            _all = [];
            for (var i = 0; i < _options.Slots; i++)
            {
                _all.Add(Model.CreateContext(contextOptions));
            }
        }
        catch
        {
            foreach (var context in _all ?? [])
            {
                context.Dispose();
            }

            Model.Dispose();
            throw;
        }

        _free = [.. _all];
        _slots = new SemaphoreSlim(_all.Count, _all.Count);
        _metadata = new ChatClientMetadata("llama.cpp", new Uri(Path.GetFullPath(_options.ModelPath)), Path.GetFileNameWithoutExtension(_options.ModelPath));
    }

    /// <summary>The loaded model (for token counting and metadata).</summary>
    public LlamaModel Model { get; }

    /// <summary>Real context size of each slot.</summary>
    public int ContextSize => _all[0].ContextSize;

    /// <summary>CPU threads per generation.</summary>
    public int Threads => _all[0].Threads;

    /// <summary>True when the model lacks a chat template and the plain format is used.</summary>
    public bool UsesFallbackTemplate => _formatter.UsesFallback;

    /// <summary>llama.cpp's timing of the most recent generation (the slot it ran on).</summary>
    public LlamaPerformance? LastPerformance { get; private set; }

    /// <summary>Tokens <paramref name="messages"/> take once formatted as this model's prompt.</summary>
    /// <exception cref="ArgumentException">The conversation has no system, user or assistant message.</exception>
    public int CountPromptTokens(IEnumerable<ChatMessage> messages) => _formatter.Format(messages).Tokens.Length;

    /// <summary>The prompt tokens <paramref name="messages"/> become: the template's markup as control tokens, every message's content as plain text.</summary>
    /// <exception cref="ArgumentException">The conversation has no system, user or assistant message.</exception>
    internal IReadOnlyList<int> TokenizePrompt(IEnumerable<ChatMessage> messages) => _formatter.Format(messages).Tokens;

    /// <summary>Generates the whole answer to <paramref name="messages"/>; see <see cref="GetStreamingResponseAsync"/>.</summary>
    /// <param name="messages">The conversation, oldest first.</param>
    /// <param name="options">Output limit (tokens), temperature, top-k/top-p, seed and stop sequences; null = the configured defaults.</param>
    /// <param name="cancellationToken">Stops generation.</param>
    /// <returns>The answer, its finish reason and token usage.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is null.</exception>
    /// <exception cref="ArgumentException">The conversation has no system, user or assistant message.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ChatOptions.MaxOutputTokens"/> is zero or negative.</exception>
    /// <exception cref="LlamaContextFullException">The prompt alone fills the context.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Streams the answer to <paramref name="messages"/> as it is decoded, one update per piece of text, then one with
    /// the finish reason and usage (prompt, reused-from-cache and completion tokens). Waits for a free slot when all are
    /// busy, and takes the one whose KV cache shares the longest prefix with the prompt.
    /// </summary>
    /// <param name="messages">The conversation, oldest first.</param>
    /// <param name="options">Output limit (tokens), temperature, top-k/top-p, seed and stop sequences; null = the configured defaults.</param>
    /// <param name="cancellationToken">Stops generation; the slot is freed at the next token.</param>
    /// <returns>The answer's updates, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is null.</exception>
    /// <exception cref="ArgumentException">The conversation has no system, user or assistant message.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ChatOptions.MaxOutputTokens"/> is zero or negative.</exception>
    /// <exception cref="LlamaContextFullException">The prompt alone fills the context.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(_disposed, this);

        var prompt = _formatter.Format(messages);
        var tokens = prompt.Tokens;
        var maxTokens = options?.MaxOutputTokens ?? _options.MaxTokens;
        if (maxTokens <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), maxTokens, "MaxOutputTokens must be positive.");
        }

        if (tokens.Length >= ContextSize)
        {
            throw new LlamaContextFullException($"The prompt has {tokens.Length} tokens but the context holds {ContextSize}; nothing would be left for the answer. Shorten the conversation or raise ChatModel:ContextSize.");
        }

        var sampling = ToSampling(options);
        var stops = (options?.StopSequences ?? []).Concat(prompt.StopSequences).ToList();
        var responseId = Guid.NewGuid().ToString("N");
        var modelId = _metadata.DefaultModelId;

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var context = TakeContext(tokens);
        using var generationCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var started = Stopwatch.GetTimestamp();

        // Decoding blocks in native code: run it on its own thread and stream pieces through a channel.
        var generation = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    context.ResetPerformance();
                    return LlamaGenerator.Generate(context, tokens, sampling, maxTokens, stops, piece => channel.Writer.TryWrite(piece), generationCts.Token);
                }
                finally
                {
                    channel.Writer.TryComplete();
                }
            },
            CancellationToken.None, // the delegate must run so the channel always completes
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);

        try
        {
            await foreach (var piece in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece)
                {
                    ResponseId = responseId,
                    MessageId = responseId,
                    ModelId = modelId,
                    CreatedAt = DateTimeOffset.UtcNow,
                };
            }

            var result = await generation.ConfigureAwait(false);
            LastPerformance = context.GetPerformance();
            LogGenerated(_logger, result.PromptTokens, result.ReusedPromptTokens, result.CompletionTokens, result.FinishReason, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = modelId,
                CreatedAt = DateTimeOffset.UtcNow,
                FinishReason = result.FinishReason == LlamaFinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop,
                Contents =
                [
                    new UsageContent(new UsageDetails
                    {
                        InputTokenCount = result.PromptTokens,
                        OutputTokenCount = result.CompletionTokens,
                        TotalTokenCount = result.PromptTokens + result.CompletionTokens,
                        CachedInputTokenCount = result.ReusedPromptTokens,
                    }),
                ],
            };
        }
        finally
        {
            // The caller may stop early (cancel, break): stop decoding, and only then hand the slot back.
            await generationCts.CancelAsync().ConfigureAwait(false);
            try
            {
                await ((Task)generation).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            finally
            {
                ReturnContext(context);
            }
        }
    }

    private LlamaSamplingOptions ToSampling(ChatOptions? options)
    {
        var extra = options?.AdditionalProperties;
        return new LlamaSamplingOptions
        {
            Temperature = options?.Temperature ?? _options.Temperature,
            TopK = options?.TopK ?? _options.TopK,
            TopP = options?.TopP ?? _options.TopP,
            MinP = extra is not null && extra.TryGetValue("min_p", out float minP) ? minP : _options.MinP,
            RepeatPenalty = extra is not null && extra.TryGetValue("repeat_penalty", out float repeat) ? repeat : _options.RepeatPenalty,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            PresencePenalty = options?.PresencePenalty ?? 0,
            Seed = options?.Seed is long seed ? unchecked((uint)seed) : _options.Seed,
        };
    }

    private LlamaContext TakeContext(int[] prompt)
    {
        lock (_gate)
        {
            var best = _free[0];
            var bestShared = -1;
            foreach (var context in _free)
            {
                var shared = SharedPrefix(context.CachedTokens, prompt);
                if (shared > bestShared)
                {
                    best = context;
                    bestShared = shared;
                }
            }

            _free.Remove(best);
            return best;
        }
    }

    private static int SharedPrefix(IReadOnlyList<int> cached, int[] prompt)
    {
        var n = Math.Min(cached.Count, prompt.Length);
        var i = 0;
        while (i < n && cached[i] == prompt[i])
        {
            i++;
        }

        return i;
    }

    private void ReturnContext(LlamaContext context)
    {
        lock (_gate)
        {
            _free.Add(context);
        }

        _slots.Release();
    }

    /// <summary>Returns <see cref="ChatClientMetadata"/>, the model's <see cref="LlamaModelInfo"/>, or this client; null for anything else or any key.</summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">Must be null; keyed requests get null.</param>
    /// <returns>The service, or null.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType == typeof(LlamaModelInfo) ? Model.Info
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Frees the contexts (KV caches) and the model weights. Call it once no generation is running.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var context in _all)
        {
            context.Dispose();
        }

        Model.Dispose();
        _slots.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Model} has no chat template llama.cpp recognises: using a plain \"User:/Assistant:\" format. Set ChatModel:ChatTemplate (e.g. \"chatml\") to choose one.")]
    private static partial void LogNoChatTemplate(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Generated: prompt {PromptTokens} tokens ({ReusedTokens} reused from cache), {CompletionTokens} completion tokens, finish {FinishReason}, {ElapsedMs:F0} ms")]
    private static partial void LogGenerated(ILogger logger, int promptTokens, int reusedTokens, int completionTokens, LlamaFinishReason finishReason, double elapsedMs);
}
