using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>Runs the C# measurement and, when asked, node-llama-cpp's on the same inputs, and combines them into a report.</summary>
internal static class ModelRuntimeBenchmark
{
    public static async Task<ModelBenchmarkReport> RunAsync(ModelBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        settings.Validate();
        string model = settings.ModelPath is { } path ? GgufValidator.Validate(path).Path : BenchModelCache.EnsureQwen05BQ4KM(log);

        // Model generation and quantization above must not count towards the runtime's peak memory.
        if (!ProcessMemory.TryResetPeak())
        {
            log.WriteLine("note: could not reset the peak-RSS counter; peak_rss_mb includes model generation");
        }

        ChatClientBenchmark.Result csharp = await new ChatClientBenchmark(settings, model).RunAsync(log, cancellationToken);
        double? peakRss = ProcessMemory.PeakResidentMegabytes();

        NodeLlamaCppResult? node = null;
        if (settings.CompareWithNode)
        {
            int promptTokens = csharp.Runs[0].PromptTokensEvaluated;
            node = await NodeLlamaCppBenchmark.RunAsync(settings, model, promptTokens, csharp.FirstPromptText, log, cancellationToken);
        }

        IReadOnlyList<ChatClientRun> runs = csharp.Runs;
        double wallPrompt = Median(runs.Select(r => r.WallPromptTps));
        double wallDecode = Median(runs.Select(r => r.WallDecodeTps));
        double nativePrompt = Median(runs.Select(r => r.NativePromptTps));
        double nativeDecode = Median(runs.Select(r => r.NativeDecodeTps));

        return new ModelBenchmarkReport(
            Model: model,
            ModelBytes: new FileInfo(model).Length,
            ModelDescription: csharp.ModelDescription,
            Backend: LlamaNativeLibrary.Info is { } info ? $"{info.Backend} ({info.Reason})" : settings.Backend.ToString(),
            Cpu: CpuName(),
            Threads: settings.Threads,
            BatchSize: settings.BatchSize,
            PromptTokens: runs[0].PromptTokens,
            PromptTokensEvaluated: runs[0].PromptTokensEvaluated,
            CompletionTokens: runs[0].CompletionTokens,
            Runs: runs.Count,
            WallPromptTps: wallPrompt,
            WallDecodeTps: wallDecode,
            NativePromptTps: nativePrompt,
            NativeDecodeTps: nativeDecode,
            TtftMs: Median(runs.Select(r => r.TtftMs)),
            PeakRssMb: peakRss,
            WallVsNativePrompt: wallPrompt / nativePrompt,
            WallVsNativeDecode: wallDecode / nativeDecode,
            NodePromptTps: node?.PromptTps,
            NodeDecodeTps: node?.DecodeTps,
            NodeTtftMs: node?.TtftMs,
            NodePeakRssMb: node?.PeakRssMb,
            VsNodePrompt: node is null ? null : wallPrompt / node.PromptTps,
            VsNodeDecode: node is null ? null : wallDecode / node.DecodeTps,
            RunDetails: runs,
            Node: node);
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string CpuName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        string? name = File.Exists(cpuInfo)
            ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{name ?? "unknown CPU"} ({Environment.ProcessorCount} logical cores)";
    }
}
