namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>Finds the repository and the shared test data by walking up from the test's base directory.</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding RagAssistant.sln.</summary>
    public static string Root { get; } = FindUp(dir => File.Exists(Path.Combine(dir, "RagAssistant.sln")))
        ?? throw new InvalidOperationException($"RagAssistant.sln not found above {AppContext.BaseDirectory}.");

    /// <summary>The shared data folder (models, eval), a sibling of a parent folder; null when absent.</summary>
    public static string? Shared { get; } = FindUp(dir => Directory.Exists(Path.Combine(dir, "shared", "models"))) is { } parent
        ? Path.Combine(parent, "shared")
        : null;

    /// <summary>The tiny real chat model, or null when the shared folder is absent.</summary>
    public static string? TinyModel => Shared is null ? null : Path.Combine(Shared, "models", "stories260K.gguf");

    /// <summary>A file of ../shared/cases (inputs from replayed bug reports), or skips the test with the reason.</summary>
    public static string RequireCase(string relative)
    {
        var path = Shared is null ? null : Path.Combine(Shared, "cases", relative);
        if (path is null || !File.Exists(path))
        {
            Assert.Skip($"../shared/cases/{relative} is absent beside the repository (CI and developer machines have it).");
        }

        return path;
    }

    /// <summary>The service's own build output, in the configuration these tests were built in.</summary>
    public static string ServiceAssembly
    {
        get
        {
            // Tests run from tests/X/bin/<Configuration>/<tfm>/.
            var tfmFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmFolder.Parent!.Name;
            return Path.Combine(Root, "src", "RagAssistant.Service", "bin", configuration, tfmFolder.Name, "RagAssistant.Service.dll");
        }
    }

    private static string? FindUp(Func<string, bool> found)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (found(dir.FullName))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
