namespace RagAssistant.Bench.ModelRuntime;

/// <summary>Folders the benchmark uses inside the repository (both git-ignored, except the node manifest).</summary>
internal static class BenchPaths
{
    /// <summary>The repository root (the folder with RagAssistant.sln), found by walking up from the program.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Generated models: <c>bench/RagAssistant.Bench/cache/</c>.</summary>
    public static string ModelCache => Path.Combine(RepositoryRoot, "bench", "RagAssistant.Bench", "cache");

    /// <summary>The committed node-llama-cpp manifest, lock file and script.</summary>
    public static string NodeManifest => Path.Combine(RepositoryRoot, "bench", "RagAssistant.Bench", "NodeLlamaCpp");

    /// <summary>Where node-llama-cpp is installed: <c>bench/node/</c>.</summary>
    public static string NodeInstall => Path.Combine(RepositoryRoot, "bench", "node");

    private static string FindRepositoryRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "RagAssistant.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository (RagAssistant.sln) above the program or the current directory; run the bench from the repository.");
    }
}
