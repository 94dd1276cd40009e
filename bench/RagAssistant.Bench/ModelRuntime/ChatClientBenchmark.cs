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
internal sealed class ChatClientBenchmark(ModelBenchmarkSettings settings, string modelPath)
{
    public sealed record Result(IReadOnlyList<ChatClientRun> Runs, string FirstPromptText, string ModelDescription);

    public async Task<Result> RunAsync(TextWriter log, CancellationToken cancellationToken)
    {
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
        using var client = new LlamaChatClient(Options.Create(options), Options.Create(new LlamaRuntimeOptions { Backend = settings.Backend }));

        // Greedy with no penalties: both runtimes then do the same per-token work (argmax over the vocabulary).
        var chatOptions = new ChatOptions
        {
            MaxOutputTokens = settings.Tokens,
            Temperature = 0,
            AdditionalProperties = new() { ["repeat_penalty"] = 1f },
        };

        int Count(string text) => client.CountPromptTokens(BenchPrompt.Messages(text));

        // Warm-up: pages the weights in and builds the compute graphs; a different prompt so nothing is reused later.
        log.WriteLine("C#: warm-up ...");
        string warmUp = BenchPrompt.Build(Count, Math.Min(32, settings.PromptTokens), seed: 25);
        ChatOptions warmUpOptions = chatOptions.Clone();
        warmUpOptions.MaxOutputTokens = 4;
        await MeasureAsync(client, warmUp, warmUpOptions, cancellationToken);

        var runs = new List<ChatClientRun>();
        string? first = null;
        for (int run = 0; run < settings.Runs; run++)
        {
            string text = BenchPrompt.Build(Count, settings.PromptTokens, seed: run);
            first ??= text;
            ChatClientRun result = await MeasureAsync(client, text, chatOptions, cancellationToken);
            log.WriteLine($"C#: run {run + 1}/{settings.Runs}: prompt {result.WallPromptTps:F1} tok/s (llama.cpp {result.NativePromptTps:F1}), generation {result.WallDecodeTps:F2} tok/s (llama.cpp {result.NativeDecodeTps:F2}), TTFT {result.TtftMs:F0} ms");
            runs.Add(result);
        }

        return new Result(runs, first!, client.Model.Info.Description);
    }

    private static async Task<ChatClientRun> MeasureAsync(LlamaChatClient client, string text, ChatOptions options, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        long firstToken = 0;
        UsageDetails? usage = null;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(BenchPrompt.Messages(text), options, cancellationToken))
        {
            if (firstToken == 0 && !string.IsNullOrEmpty(update.Text))
            {
                firstToken = Stopwatch.GetTimestamp();
            }

            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
        }

        long ended = Stopwatch.GetTimestamp();
        if (usage is null || firstToken == 0 || client.LastPerformance is not { } native)
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
