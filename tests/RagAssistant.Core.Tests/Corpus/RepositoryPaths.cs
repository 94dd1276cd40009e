namespace RagAssistant.Core.Tests.Corpus;

/// <summary>Locates the repository's data and the shared folder beside the repository, from the test binaries.</summary>
internal static class RepositoryPaths
{
    /// <summary>The shipped corpus folder (data/papers), or null when not found.</summary>
    public static string? ShippedCorpus => FindUp(Path.Combine("data", "papers"));

    /// <summary>The shared folder (../shared relative to the repository root), or null when absent.</summary>
    public static string? Shared => FindUp("shared");

    /// <summary>The dev question set, or null when the shared folder is absent.</summary>
    public static string? DevSet => Shared is { } shared && File.Exists(Path.Combine(shared, "eval", "dev.jsonl"))
        ? Path.Combine(shared, "eval", "dev.jsonl")
        : null;

    public static string RequireShippedCorpus() =>
        ShippedCorpus ?? throw new InvalidOperationException("data/papers not found above the test directory");

    /// <summary>A file or folder of ../shared/cases (inputs from replayed bug reports), or skips the test with the reason.</summary>
    public static string RequireCase(string relative)
    {
        var path = Shared is { } shared ? Path.Combine(shared, "cases", relative) : null;
        if (path is null || !(File.Exists(path) || Directory.Exists(path)))
        {
            Assert.Skip($"../shared/cases/{relative} is absent beside the repository (CI and developer machines have it).");
        }

        return path;
    }

    public static string RequireDevSet()
    {
        var devSet = DevSet;
        if (devSet is null)
        {
            Assert.Skip("The shared folder (../shared/eval/dev.jsonl beside the repository) is absent; dev-set tests need it.");
        }

        return devSet;
    }

    private static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
