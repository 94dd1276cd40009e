using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Core.Corpus;

/// <summary>Where the corpus and the embedding cache live. Bound from the "Corpus" configuration section.</summary>
public sealed class CorpusOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Corpus";

    /// <summary>
    /// Folder of listing dumps and user documents (.txt, .md, .jsonl, .pdf). A relative path is resolved against
    /// the content root, then the working directory, then the app's base directory and its parents.
    /// </summary>
    [Required]
    public string Folder { get; set; } = "data/papers";

    /// <summary>Folder for the embedding cache, resolved like <see cref="Folder"/> (created when missing).</summary>
    [Required]
    public string CacheFolder { get; set; } = ".cache";

    /// <summary>Base for relative paths, normally the host's content root; null uses the working directory.</summary>
    public string? ContentRoot { get; set; }

    /// <summary>The corpus folder as an absolute path: the first candidate location that exists.</summary>
    public string ResolveFolder() => ResolveExisting(Folder);

    /// <summary>The cache folder as an absolute path (under the content root when relative).</summary>
    public string ResolveCacheFolder() =>
        Path.IsPathRooted(CacheFolder) ? CacheFolder : Path.GetFullPath(Path.Combine(ContentRoot ?? Directory.GetCurrentDirectory(), CacheFolder));

    private string ResolveExisting(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        var candidates = new List<string>();
        if (ContentRoot is not null)
        {
            candidates.Add(ContentRoot);
        }

        candidates.Add(Directory.GetCurrentDirectory());

        // Walking up from the binaries finds the repository's data/ when run with `dotnet run` or from tests.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(dir.FullName);
        }

        foreach (var candidate in candidates)
        {
            var full = Path.GetFullPath(Path.Combine(candidate, path));
            if (Directory.Exists(full))
            {
                return full;
            }
        }

        return Path.GetFullPath(Path.Combine(candidates[0], path));
    }
}
