using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp;
using RagAssistant.LlamaCpp.Chat;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>
/// Measures generation the way an application sees it: wall clock around <see cref="IChatClient"/> streaming
/// (<see cref="LlamaChatClient"/>), next to llama.cpp's own <c>llama_perf_context</c> figures for the same run.
/// </summary>
internal sealed class ChatClientBenchmark : IDisposable
{
    private readonly ModelBenchmarkSettings _settings;
    private readonly LlamaChatClient _client;
    private readonly ChatOptions _chatOptions;

    public ChatClientBenchmark(ModelBenchmarkSettings settings, string modelPath)
    {
        _settings = settings;
        var options = new LlamaChatClientOptions
        {
            ModelPath = modelPath,
            ContextSize = settings.ContextSize,
            BatchSize = settings.BatchSize,
            Threads = settings.Threads,
            GpuLayers = settings.Backend == LlamaBackend.Cuda ? -1 : 0,
            Slots = 1,
            MaxTokens = settings.Tokens,
            Temperature = 0,
            RepeatPenalty = 1,
        };
        _client = new LlamaChatClient(Options.Create(options), Options.Create(new LlamaRuntimeOptions { Backend = settings.Backend }));

        // Greedy with no penalties: both runtimes then do the same per-token work (argmax over the vocabulary).
        _chatOptions = new ChatOptions
        {
            MaxOutputTokens = settings.Tokens,
            Temperature = 0,
            AdditionalProperties = new() { ["repeat_penalty"] = 1f },
        };
    }

    /// <summary>llama.cpp's description of the model, e.g. "llama ?B Q4_K - Medium".</summary>
    public string ModelDescription => _client.Model.Info.Description;

    /// <summary>Pages the weights in and builds the compute graphs, on a prompt that later runs do not share.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        string text = BenchPrompt.Build(CountPromptTokens, Math.Min(32, _settings.PromptTokens), seed: 25);
        ChatOptions options = _chatOptions.Clone();
        options.MaxOutputTokens = 4;
        await MeasureAsync(text, options, cancellationToken);
    }

    /// <summary>The prompt text of run <paramref name="run"/>: its own opening, cut to the prompt budget.</summary>
    public string PromptText(int run) => BenchPrompt.Build(CountPromptTokens, _settings.PromptTokens, seed: run);

    public Task<ChatClientRun> MeasureAsync(string text, CancellationToken cancellationToken) => MeasureAsync(text, _chatOptions, cancellationToken);

    public void Dispose() => _client.Dispose();

    private int CountPromptTokens(string text) => _client.CountPromptTokens(BenchPrompt.Messages(text));

    private async Task<ChatClientRun> MeasureAsync(string text, ChatOptions options, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        long firstToken = 0;
        UsageDetails? usage = null;
        await foreach (ChatResponseUpdate update in _client.GetStreamingResponseAsync(BenchPrompt.Messages(text), options, cancellationToken))
        {
            if (firstToken == 0 && !string.IsNullOrEmpty(update.Text))
            {
                firstToken = Stopwatch.GetTimestamp();
            }

            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
        }

        long ended = Stopwatch.GetTimestamp();
        if (usage is null || firstToken == 0 || _client.LastPerformance is not { } native)
        {
            throw new InvalidOperationException("The chat client reported no text, usage or performance counters.");
        }

        int prompt = (int)(usage.InputTokenCount ?? 0);
        int evaluated = prompt - (int)(usage.CachedInputTokenCount ?? 0);
        int completion = (int)(usage.OutputTokenCount ?? 0);
        double ttftSeconds = Stopwatch.GetElapsedTime(started, firstToken).TotalSeconds;
        double decodeSeconds = Stopwatch.GetElapsedTime(firstToken, ended).TotalSeconds;

        // The first token comes from the prompt's logits; each later one costs one decode. The last token is
        // emitted without being decoded, so completion - 1 decodes lie between the first token and the end.
        return new ChatClientRun(
            PromptTokens: prompt,
            PromptTokensEvaluated: evaluated,
            CompletionTokens: completion,
            TtftMs: ttftSeconds * 1000,
            WallPromptTps: evaluated / ttftSeconds,
            WallDecodeTps: (completion - 1) / decodeSeconds,
            NativePromptTps: native.PromptTokensPerSecond,
            NativeDecodeTps: native.DecodeTokensPerSecond,
            NativePromptMs: native.PromptMs,
            NativeDecodeMs: native.DecodeMs);
    }
}
