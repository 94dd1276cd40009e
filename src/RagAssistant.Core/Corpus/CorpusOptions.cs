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

    /// <summary>The corpus folder as an absolute path: the first candidate location that exists (see <see cref="LocalPathResolver"/>).</summary>
    public string ResolveFolder() => LocalPathResolver.Resolve(Folder, ContentRoot);

    /// <summary>The cache folder as an absolute path (under the content root when relative).</summary>
    public string ResolveCacheFolder() =>
        Path.IsPathRooted(CacheFolder) ? CacheFolder : Path.GetFullPath(Path.Combine(ContentRoot ?? Directory.GetCurrentDirectory(), CacheFolder));
}
