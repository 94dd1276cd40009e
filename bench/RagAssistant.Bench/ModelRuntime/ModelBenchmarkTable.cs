using System.Globalization;
using System.Text;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>Human-readable form of a <see cref="ModelBenchmarkReport"/>.</summary>
internal static class ModelBenchmarkTable
{
    public static string Format(ModelBenchmarkReport r)
    {
        var text = new StringBuilder();
        void Line(string s) => text.AppendLine(s);
        Line($"model    {r.Model} ({r.ModelBytes / 1048576.0:F0} MiB, {r.ModelDescription})");
        Line($"machine  {r.Cpu}; backend {r.Backend}");
        Line(string.Create(CultureInfo.InvariantCulture, $"setup    {r.Threads} thread(s), batch {r.BatchSize}, prompt {r.PromptTokens} tokens ({r.PromptTokensEvaluated} evaluated), {r.CompletionTokens} generated, median of {r.Runs} run(s)"));
        Line(string.Empty);
        Line($"{"",-26}{"prompt tok/s",14}{"generation tok/s",18}{"TTFT ms",10}{"peak RSS MiB",14}");
        Line(Row("C# IChatClient (wall)", r.WallPromptTps, r.WallDecodeTps, r.TtftMs, r.PeakRssMb));
        Line(Row("llama.cpp perf counters", r.NativePromptTps, r.NativeDecodeTps, null, null));
        if (r.NodePromptTps is { } nodePrompt && r.NodeDecodeTps is { } nodeDecode)
        {
            Line(Row("node-llama-cpp (wall)", nodePrompt, nodeDecode, r.NodeTtftMs, r.NodePeakRssMb));
        }

        Line(string.Empty);
        Line(string.Create(CultureInfo.InvariantCulture, $"wall / llama.cpp: prompt {r.WallVsNativePrompt:F3}x, generation {r.WallVsNativeDecode:F3}x (goal >= 0.98x)"));
        if (r.VsNodePrompt is { } vsPrompt && r.VsNodeDecode is { } vsDecode)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"C# / node-llama-cpp: prompt {vsPrompt:F3}x, generation {vsDecode:F3}x (goal >= 1.0x)"));
        }

        return text.ToString();
    }

    private static string Row(string name, double prompt, double decode, double? ttft, double? rss) =>
        string.Create(CultureInfo.InvariantCulture, $"{name,-26}{prompt,14:F1}{decode,18:F2}{Format(ttft, "F0"),10}{Format(rss, "F0"),14}");

    private static string Format(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
