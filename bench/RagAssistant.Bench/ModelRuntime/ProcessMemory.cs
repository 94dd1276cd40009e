using System.Globalization;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>Peak resident memory of this process, from Linux's <c>/proc/self/status</c>.</summary>
internal static class ProcessMemory
{
    /// <summary>VmHWM (peak resident set) in MiB; null where /proc is unavailable.</summary>
    public static double? PeakResidentMegabytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                string kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return double.Parse(kilobytes, CultureInfo.InvariantCulture) / 1024;
            }
        }

        return null;
    }

    /// <summary>
    /// Resets the peak to the current resident size (writing 5 to <c>/proc/self/clear_refs</c>), so that generating
    /// and quantizing the benchmark model beforehand does not count towards the runtime's peak. False if not possible.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
