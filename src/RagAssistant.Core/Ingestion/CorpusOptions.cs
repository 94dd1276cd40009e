using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Core.Ingestion;

/// <summary>Where the corpus and the embedding cache live. Bound from the "Corpus" configuration section.</summary>
public sealed class CorpusOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Corpus";

    /// <summary>
    /// Folder of listing dumps and user documents (.txt, .md, .jsonl, .pdf). A relative path is resolved against
    /// the content root, then the working directory, then the app's base directory and its parents.
    /// </summary>
    [Required]
    public string Folder { get; set; } = "data/papers";

    /// <summary>
    /// Folder for the embedding cache (created when missing). A relative path is resolved against the root the corpus
    /// folder was found under (see <see cref="ResolveCacheFolder"/>), so the console and the service share one cache.
    /// </summary>
    [Required]
    public string CacheFolder { get; set; } = ".cache";

    /// <summary>
    /// Whether a symbolic link (or junction) inside the corpus folder whose target lies outside it is followed. Off by
    /// default: such a link is skipped with a warning naming it, so a stray link to <c>/etc</c> or a home folder never
    /// serves its files through the assistant. Turn it on to index a folder linked in on purpose (a Zotero storage
    /// folder, a shared drive). Either way each real folder and file is read once, so link loops cost nothing.
    /// </summary>
    public bool FollowExternalLinks { get; set; }

    /// <summary>
    /// Largest corpus file read, in bytes (default 100 MiB, at most 2 GiB): a bigger file is skipped with a warning
    /// that names it and this setting, so one huge or endless file cannot exhaust memory.
    /// </summary>
    [Range(1L, MaxFileBytesLimit)]
    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Passages one document may make before the corpus warns about it (default 1,000, about 700 KB of text; a paper's
    /// abstract makes one, a long paper's full text about a hundred). The document is indexed whole all the same: the
    /// warning names its file and passage count, because embedding tens of thousands of passages takes the background
    /// indexing hours and crowds the search (a 32 MB one-line text file makes about 47,000).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int LargeDocumentPassages { get; set; } = 1_000;

    /// <summary>The most <see cref="MaxFileBytes"/> may be: what one array holds.</summary>
    public const long MaxFileBytesLimit = 2_147_483_591L;

    /// <summary>Base for relative paths, normally the host's content root; null uses the working directory.</summary>
    public string? ContentRoot { get; set; }

    /// <summary>The corpus folder as an absolute path: the first candidate location that exists (see <see cref="LocalPathResolver"/>).</summary>
    public string ResolveFolder() => LocalPathResolver.Resolve(Folder, ContentRoot);

    /// <summary>
    /// The cache folder as an absolute path. A relative one sits under the root the corpus folder was found under
    /// (<see cref="LocalPathResolver.RootOf"/>): the same corpus gets the same cache from every front end, whatever its
    /// working directory (the service runs from its project folder, the console from the repository root). With an
    /// absolute corpus folder, a relative cache folder is under the content root (or the working directory).
    /// </summary>
    public string ResolveCacheFolder()
    {
        if (Path.IsPathRooted(CacheFolder))
        {
            return CacheFolder;
        }

        var root = Path.IsPathRooted(Folder) ? ContentRoot ?? Directory.GetCurrentDirectory() : LocalPathResolver.RootOf(Folder, ContentRoot);
        return Path.GetFullPath(Path.Combine(root, CacheFolder));
    }

    /// <summary>
    /// Checks that the corpus folder exists: a mistyped <c>--corpus</c> or <c>Corpus:Folder</c> would otherwise index
    /// nothing and answer every question "not covered", which looks like an answer rather than a mistake.
    /// </summary>
    /// <param name="validationContext">The validation context (unused).</param>
    /// <returns>One failure naming the folder and the fix, or none.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Folder))
        {
            yield break;
        }

        var folder = ResolveFolder();
        if (FolderProblem(folder) is { } what)
        {
            yield return new ValidationResult(
                $"The corpus folder {folder} {what}. Point --corpus (or {SectionName}:{nameof(Folder)}) at the folder that holds your papers (.txt, .md, .jsonl, .pdf).",
                [nameof(Folder)]);
        }
    }

    /// <summary>Why <paramref name="folder"/> cannot be the corpus folder: it "is a file, not a folder" or "does not exist"; null when it is a folder.</summary>
    /// <param name="folder">A full path.</param>
    /// <returns>The problem, worded to follow the folder's path, or null.</returns>
    public static string? FolderProblem(string folder) =>
        Directory.Exists(folder) ? null : File.Exists(folder) ? "is a file, not a folder" : "does not exist";
}
