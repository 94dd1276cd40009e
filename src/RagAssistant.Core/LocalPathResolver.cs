namespace RagAssistant.Core;

/// <summary>
/// Resolves the relative paths of appsettings.json (models/, data/, prompts/) the way a user expects: against a
/// preferred root when given, then the working directory, then the source checkout the program was built in (the
/// folder holding RagAssistant.sln above the program's folder, if any), then the program's folder and its parents.
/// </summary>
public static class LocalPathResolver
{
    /// <summary>
    /// The first existing file or folder at <paramref name="path"/> under the candidate roots. When none exists (a model
    /// not downloaded yet), the path beside the nearest existing parent folder (models/), else under the first root.
    /// </summary>
    /// <param name="path">An absolute path (returned as is) or a path relative to the candidate roots.</param>
    /// <param name="preferredRoot">A folder searched before the working directory (a host's content root), or null.</param>
    /// <returns>An absolute path; it need not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or white space.</exception>
    public static string Resolve(string path, string? preferredRoot = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(RootOf(path, preferredRoot), path));
    }

    /// <summary>
    /// The candidate root <see cref="Resolve"/> places a relative <paramref name="path"/> under: the first where it
    /// exists, else the first with its parent folder, else the first root. Files that belong with a resolved folder
    /// (the embedding cache of a corpus) go under the same root, so every front end finds them, whatever its working
    /// directory.
    /// </summary>
    /// <param name="path">A path relative to the candidate roots.</param>
    /// <param name="preferredRoot">A folder searched before the working directory (a host's content root), or null.</param>
    /// <returns>An absolute folder path.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty, white space or absolute.</exception>
    public static string RootOf(string path, string? preferredRoot = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Path.IsPathRooted(path))
        {
            throw new ArgumentException($"The path {path} is absolute: it has no candidate root.", nameof(path));
        }

        var roots = Roots(preferredRoot).ToList();
        foreach (var root in roots)
        {
            var full = Path.GetFullPath(Path.Combine(root, path));
            if (File.Exists(full) || Directory.Exists(full))
            {
                return root;
            }
        }

        // Not there yet (a model to download): place it beside the nearest existing parent folder (models/).
        var parent = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(parent))
        {
            foreach (var root in roots)
            {
                if (Directory.Exists(Path.Combine(root, parent)))
                {
                    return root;
                }
            }
        }

        return roots[0];
    }

    private static IEnumerable<string> Roots(string? preferredRoot)
    {
        if (!string.IsNullOrWhiteSpace(preferredRoot))
        {
            yield return Path.GetFullPath(preferredRoot);
        }

        yield return Directory.GetCurrentDirectory();

        // Run from a source checkout (`dotnet run --project src/...` starts in the project folder), the checkout's own
        // data/ and models/ win over the copies the build puts beside the program, so added documents and downloaded
        // models are seen without a rebuild.
        if (CheckoutRoot() is { } checkout)
        {
            yield return checkout;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            yield return dir.FullName;
        }
    }

    private static string? CheckoutRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory).Parent; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RagAssistant.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
