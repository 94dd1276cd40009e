namespace RagAssistant.Core.Ingestion;

/// <summary>One paper (or user document) of the corpus; identical copies (same content) are merged into one.</summary>
/// <param name="Id">
/// Stable id derived from the normalised title, so it survives re-parsing and file moves; a distinct document whose
/// title another one already holds gets a hash of its content appended. The document that held an id keeps it when
/// another of its title arrives (<see cref="PaperIdLedger"/>).
/// </param>
/// <param name="Title">Title as written in the source.</param>
/// <param name="Abstract">The abstract, or the whole text for user documents.</param>
/// <param name="Date">Publication date as written ("Feb 22, 2024"), when the source has one.</param>
/// <param name="AuthorCount">Number of authors, when the source has it.</param>
/// <param name="SourceFile">File name (relative to the corpus folder) the paper was first read from.</param>
/// <param name="SourceLine">1-based line of the title in <paramref name="SourceFile"/>.</param>
public sealed record Paper(
    string Id,
    string Title,
    string Abstract,
    string? Date,
    int? AuthorCount,
    string SourceFile,
    int SourceLine)
{
    /// <summary>Link to the paper, for user documents that carry one (JSONL <c>url</c>).</summary>
    public string? Url { get; init; }

    /// <summary>Organisation named instead of an author count ("Google").</summary>
    public string? Organization { get; init; }

    /// <summary>Upvote count from the listing, when present.</summary>
    public int? Upvotes { get; init; }

    /// <summary>Every file holding this paper (identical copies merged), <see cref="SourceFile"/> first.</summary>
    public IReadOnlyList<string> SourceFiles
    {
        get => field ?? [SourceFile];
        init;
    }

    /// <summary>
    /// True for an entry of a paper-listing dump, one of many in a file whose name (<c>002_49bc1748ff374979.txt</c>)
    /// says nothing about it; false for a user's own document, whose file name identifies it.
    /// </summary>
    public bool FromListing { get; init; }

    /// <summary>
    /// True when the title is the file's name rather than part of the text (a one-line note), so it is not content:
    /// copies of the note under two names are the same document. An ingestion detail, not part of the paper's JSON.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool TitledByFileName { get; init; }
}

/// <summary>A searchable piece of a paper: a whole abstract, or one window of a longer document.</summary>
public sealed record Passage(string Id, string PaperId, int Index, string Text);
