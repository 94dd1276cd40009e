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

        using var csharp = new ChatClientBenchmark(settings, model);
        log.WriteLine("C#: warm-up ...");
        await csharp.WarmUpAsync(cancellationToken);

        await using NodeLlamaCppSession? nodeSession = settings.CompareWithNode
            ? await NodeLlamaCppSession.StartAsync(settings, model, log, cancellationToken)
            : null;

        // Runs alternate between the runtimes (and which goes first), so that load from anything else on the
        // machine falls on both alike. node-llama-cpp gets the same text and the same number of evaluated tokens.
        var runs = new List<ChatClientRun>();
        var nodeRuns = new List<NodeLlamaCppRun>();
        for (int run = 0; run < settings.Runs; run++)
        {
            string text = csharp.PromptText(run);
            NodeLlamaCppRun? nodeRun = null;
            if (nodeSession is not null && run % 2 == 1)
            {
                nodeRun = await nodeSession.RunAsync(text, runs.Count > 0 ? runs[0].PromptTokensEvaluated : settings.PromptTokens, settings.Tokens, cancellationToken);
            }

            ChatClientRun result = await csharp.MeasureAsync(text, cancellationToken);
            runs.Add(result);
            if (nodeSession is not null && run % 2 == 0)
            {
                nodeRun = await nodeSession.RunAsync(text, result.PromptTokensEvaluated, settings.Tokens, cancellationToken);
            }

            log.WriteLine($"run {run + 1}/{settings.Runs}: C# prompt {result.WallPromptTps:F1} tok/s (llama.cpp {result.NativePromptTps:F1}), generation {result.WallDecodeTps:F2} tok/s (llama.cpp {result.NativeDecodeTps:F2}), TTFT {result.TtftMs:F0} ms"
                + (nodeRun is null ? string.Empty : $"; node-llama-cpp prompt {nodeRun.PromptTps:F1}, generation {nodeRun.DecodeTps:F2}"));
            if (nodeRun is not null)
            {
                nodeRuns.Add(nodeRun);
            }
        }

        double? peakRss = ProcessMemory.PeakResidentMegabytes();
        NodeLlamaCppResult? node = null;
        if (nodeSession is not null)
        {
            (string version, double? nodePeak) = await nodeSession.FinishAsync(cancellationToken);
            node = new NodeLlamaCppResult(version, nodePeak, nodeRuns);
        }

        double wallPrompt = Median(runs.Select(r => r.WallPromptTps));
        double wallDecode = Median(runs.Select(r => r.WallDecodeTps));
        double nativePrompt = Median(runs.Select(r => r.NativePromptTps));
        double nativeDecode = Median(runs.Select(r => r.NativeDecodeTps));
        double? nodePrompt = node is null ? null : Median(node.Runs.Select(r => r.PromptTps));
        double? nodeDecode = node is null ? null : Median(node.Runs.Select(r => r.DecodeTps));

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
            NodePromptTps: nodePrompt,
            NodeDecodeTps: nodeDecode,
            NodeTtftMs: node is null ? null : Median(node.Runs.Select(r => r.TtftMs)),
            NodePeakRssMb: node?.PeakRssMb,
            VsNodePrompt: wallPrompt / nodePrompt,
            VsNodeDecode: wallDecode / nodeDecode,
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
