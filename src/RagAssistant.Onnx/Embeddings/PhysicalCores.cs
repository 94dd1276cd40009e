namespace RagAssistant.Onnx.Embeddings;

/// <summary>
/// The number of physical cores this process may use. ONNX Runtime's default spreads over every logical processor;
/// on SMT machines the sibling threads share one core's vector units, so they add contention, not throughput.
/// </summary>
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
