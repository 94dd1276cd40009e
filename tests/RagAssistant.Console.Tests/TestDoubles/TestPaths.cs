namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>Locates the repository and the shared data folder by walking up from the test's base directory.</summary>
internal static class TestPaths
{
    public static string? FindUp(Func<DirectoryInfo, string?> probe)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (probe(dir) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The repository root (the folder with RagAssistant.sln), or null.</summary>
    public static string? RepositoryRoot => FindUp(d => File.Exists(Path.Combine(d.FullName, "RagAssistant.sln")) ? d.FullName : null);

    /// <summary>The shared data folder (a sibling "shared" folder of some ancestor), or null.</summary>
    public static string? SharedFolder => FindUp(d =>
    {
        var candidate = Path.Combine(d.FullName, "shared");
        return Directory.Exists(Path.Combine(candidate, "models")) ? candidate : null;
    });

    /// <summary>The shared stories260K model, or skips the test with the reason.</summary>
    public static string RequireStoriesModel()
    {
        var path = SharedFolder is { } shared ? Path.Combine(shared, "models", "stories260K.gguf") : null;
        if (path is null || !File.Exists(path))
        {
            Assert.Skip("shared/models/stories260K.gguf not found next to an ancestor of the test folder (../shared)");
        }

        return path;
    }

    /// <summary>A file of ../shared/cases (inputs from replayed bug reports), or skips the test with the reason.</summary>
    public static string RequireCase(string relative)
    {
        var path = SharedFolder is { } shared ? Path.Combine(shared, "cases", relative) : null;
        if (path is null || !File.Exists(path))
        {
            Assert.Skip($"../shared/cases/{relative} is absent beside the repository (CI and developer machines have it).");
        }

        return path;
    }

    /// <summary>A fresh temporary folder, deleted by the caller.</summary>
    public static DirectoryInfo CreateTempFolder() => Directory.CreateTempSubdirectory("ragassistant-console-tests-");
}
