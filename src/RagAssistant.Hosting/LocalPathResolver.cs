namespace RagAssistant.Hosting;

/// <summary>
/// Resolves relative paths from appsettings.json (models/, data/, prompts/) the way a user expects: against the
/// working directory first (the repository root for `dotnet run`), then the program's folder and its parents.
/// </summary>
public static class LocalPathResolver
{
    /// <summary>The first existing location of <paramref name="path"/>, or its location under the working directory.</summary>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        foreach (var candidate in Candidates())
        {
            var full = Path.GetFullPath(Path.Combine(candidate, path));
            if (File.Exists(full) || Directory.Exists(full))
            {
                return full;
            }
        }

        // Not there yet (a model to download): place it beside the nearest existing parent folder (models/).
        var parent = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(parent))
        {
            foreach (var candidate in Candidates())
            {
                if (Directory.Exists(Path.Combine(candidate, parent)))
                {
                    return Path.GetFullPath(Path.Combine(candidate, path));
                }
            }
        }

        return Path.GetFullPath(path);
    }

    private static IEnumerable<string> Candidates()
    {
        yield return Directory.GetCurrentDirectory();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            yield return dir.FullName;
        }
    }
}
