namespace RagAssistant.Hosting.Composition;

/// <summary>
/// The number of physical cores this process may use: the default thread count of every model run in process (the
/// llama.cpp chat model and embedder, the bundled ONNX embedder), set by the composition where a setting leaves
/// <c>Threads</c> at 0. On SMT machines the sibling threads share one core's vector units, so more threads add
/// contention, not throughput; fewer (e.g. half the logical processors on a machine without SMT) leave cores idle.
/// </summary>
/// <remarks>
/// It lives in the composition, not in an adapter: the adapters never reference each other, and this is the one place
/// that configures both.
/// </remarks>
internal static class PhysicalCores
{
    /// <summary>Distinct (package, core) pairs of the online CPUs on Linux, at most the usable processors; elsewhere the logical processor count.</summary>
    public static int Count { get; } = Detect();

    private static int Detect()
    {
        var logical = Environment.ProcessorCount;
        try
        {
            var root = "/sys/devices/system/cpu";
            if (!Directory.Exists(root))
            {
                return logical;
            }

            var cores = new HashSet<string>(StringComparer.Ordinal);
            foreach (var cpu in Directory.EnumerateDirectories(root, "cpu*"))
            {
                var topology = Path.Combine(cpu, "topology");
                var coreId = Path.Combine(topology, "core_id");
                if (File.Exists(coreId))
                {
                    var package = Path.Combine(topology, "physical_package_id");
                    cores.Add($"{(File.Exists(package) ? File.ReadAllText(package).Trim() : "0")}:{File.ReadAllText(coreId).Trim()}");
                }
            }

            // A container limited to fewer processors than the host's cores gets that many threads.
            return cores.Count == 0 ? logical : Math.Clamp(cores.Count, 1, logical);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return logical;
        }
    }
}
