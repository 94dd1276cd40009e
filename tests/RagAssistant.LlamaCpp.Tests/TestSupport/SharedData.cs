namespace RagAssistant.LlamaCpp.Tests.TestSupport;

/// <summary>Finds the read-only shared/ folder (tiny real models) beside the repository.</summary>
internal static class SharedData
{
    private static readonly Lazy<string?> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, "models", "MANIFEST.md")))
            {
                return candidate;
            }
        }

        return null;
    });

    /// <summary>Path of a file under shared/models, or skips the test with the reason.</summary>
    public static string Model(string fileName)
    {
        var folder = Folder.Value;
        if (folder is null)
        {
            Assert.Skip("../shared/models is not present beside the repository (CI and developer machines have it).");
        }

        var path = Path.Combine(folder!, "models", fileName);
        if (!File.Exists(path))
        {
            Assert.Skip($"{path} is missing.");
        }

        return path;
    }

    public static string Stories => Model("stories260K.gguf");
}
