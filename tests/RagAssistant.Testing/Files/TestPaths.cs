using Xunit;

namespace RagAssistant.Testing.Files;

/// <summary>
/// The repository and the read-only shared test data (../shared beside the repository: tiny real models, the dev
/// question set, replayed bug-report inputs), found by walking up from the test binaries. A test whose shared input
/// is absent is skipped with the reason, never failed.
/// </summary>
public static class TestPaths
{
    private static readonly Lazy<string?> Root = new(() => FindUp(dir => File.Exists(Path.Combine(dir, "RagAssistant.sln")) ? dir : null));

    private static readonly Lazy<string?> SharedFolder = new(() =>
        FindUp(dir => Directory.Exists(Path.Combine(dir, "shared", "models")) ? Path.Combine(dir, "shared") : null));

    /// <summary>The folder holding RagAssistant.sln.</summary>
    /// <exception cref="InvalidOperationException">The tests do not run from inside the repository.</exception>
    public static string RepositoryRoot => Root.Value
        ?? throw new InvalidOperationException($"RagAssistant.sln not found above {AppContext.BaseDirectory}.");

    /// <summary>The shipped corpus (data/papers of the repository).</summary>
    public static string ShippedCorpus => Path.Combine(RepositoryRoot, "data", "papers");

    /// <summary>The shared folder (the nearest ancestor's "shared" sibling with a models/ folder), or null when absent.</summary>
    public static string? Shared => SharedFolder.Value;

    /// <summary>The tiny real chat model (stories260K), or skips the test.</summary>
    public static string Stories => RequireModel("stories260K.gguf");

    /// <summary>A file of ../shared/models, or skips the test with the reason.</summary>
    public static string RequireModel(string fileName) => RequireShared(Path.Combine("models", fileName));

    /// <summary>A file or folder of ../shared/cases (inputs from replayed bug reports), or skips the test with the reason.</summary>
    public static string RequireCase(string relative) => RequireShared(Path.Combine("cases", relative));

    /// <summary>The dev question set (../shared/eval/dev.jsonl), or skips the test with the reason.</summary>
    public static string RequireDevSet() => RequireShared(Path.Combine("eval", "dev.jsonl"));

    private static string RequireShared(string relative)
    {
        var path = Shared is { } shared ? Path.Combine(shared, relative) : null;
        if (path is null || !(File.Exists(path) || Directory.Exists(path)))
        {
            Assert.Skip($"../shared/{relative.Replace('\\', '/')} is absent beside the repository (CI and developer machines have it).");
        }

        return path;
    }

    private static string? FindUp(Func<string, string?> probe)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (probe(dir.FullName) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
