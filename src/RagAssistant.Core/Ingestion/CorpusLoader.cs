using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RagAssistant.Core.Ingestion;

/// <summary>The parsed corpus: unique papers, their passages, and everything that was skipped.</summary>
/// <param name="Papers">Unique papers, in corpus order (files by name, then position).</param>
/// <param name="Passages">Passages of all papers, in paper order.</param>
/// <param name="Warnings">Problems found, with file and line; the affected items were skipped.</param>
/// <param name="Entries">Papers read before identical copies were merged.</param>
public sealed record LoadedCorpus(
    IReadOnlyList<Paper> Papers,
    IReadOnlyList<Passage> Passages,
    IReadOnlyList<CorpusWarning> Warnings,
    int Entries)
{
    /// <summary>Identical copies merged into one paper, in corpus order.</summary>
    public IReadOnlyList<CorpusMerge> Merges { get; init; } = [];
}

/// <summary>Identical copies of one document merged into one paper.</summary>
/// <param name="Title">The paper's title.</param>
/// <param name="Copies">How many entries were merged (a file may list the same paper twice).</param>
/// <param name="Files">The files holding the copies, the one the paper is read from first.</param>
public sealed record CorpusMerge(string Title, int Copies, IReadOnlyList<string> Files)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"merged {Copies} identical copies of \"{Title}\" into one source: {string.Join(", ", Files)}";

    /// <summary>
    /// The merges as a person reads them: one line per set of files whose papers were merged, not per paper, so a
    /// listing dump copied whole under another name is one line ("merged 119 papers of a.txt with their identical
    /// copies in b.txt, into one source each"); a paper merged alone keeps its own line (<see cref="ToString"/>).
    /// </summary>
    /// <param name="merges">The merges, in corpus order.</param>
    /// <returns>The lines, in the order of each set's first merge.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="merges"/> is null.</exception>
    public static IReadOnlyList<string> Summarize(IReadOnlyList<CorpusMerge> merges)
    {
        ArgumentNullException.ThrowIfNull(merges);
        return [.. merges
            .GroupBy(m => string.Join('\0', m.Files), StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.First().ToString() : Summary(g.Count(), g.First().Files))];
    }

    private static string Summary(int papers, IReadOnlyList<string> files) => files.Count == 1
        ? $"merged {papers} papers that {files[0]} lists more than once, into one source each"
        : $"merged {papers} papers of {files[0]} with their identical copies in {string.Join(", ", files.Skip(1))}, into one source each";
}

/// <summary>A paper of a document that is an identical copy of one already in the corpus.</summary>
/// <param name="Document">The document's paper.</param>
/// <param name="Existing">The paper of the corpus it copies.</param>
public sealed record PaperCopy(Paper Document, Paper Existing);

/// <summary>The papers of one document that the corpus already has (<see cref="CorpusLoader.FindIdenticalCopy"/>).</summary>
/// <param name="Copies">Each copied paper with the one it copies, in the document's order; at least one.</param>
/// <param name="DocumentPapers">How many papers the document holds, copied or not.</param>
public sealed record IdenticalCopies(IReadOnlyList<PaperCopy> Copies, int DocumentPapers)
{
    /// <summary>The files of the corpus holding the copied papers, in the order of their first copy.</summary>
    public IReadOnlyList<string> ExistingFiles => [.. Copies.Select(c => c.Existing.SourceFile).Distinct(StringComparer.Ordinal)];
}

/// <summary>
/// Reads every supported file of a corpus folder (listing dumps and plain documents as .txt/.md, .jsonl, .pdf),
/// merges identical copies (the same title and text after collapsing whitespace; a title that is only the file's
/// name does not count) into one paper naming all its files, and splits documents into passages. Documents that merely
/// share a title are all kept. The folder is walked by <see cref="CorpusFolderWalker"/>: each real folder and file
/// once, links out of the folder only when <see cref="CorpusOptions.FollowExternalLinks"/> says so; a file larger than
/// <see cref="CorpusOptions.MaxFileBytes"/>, or empty (as pipes, sockets and devices are), is skipped unopened, so time
/// and memory stay bounded whatever the folder holds; a .txt, .md or .jsonl file holding binary data
/// (<see cref="BinaryContentDetector"/>) is skipped with one warning.
/// Nothing here throws for bad input: each problem becomes a <see cref="CorpusWarning"/> and the rest is kept.
/// </summary>
/// <param name="splitter">Splits long documents into passages (<see cref="ArgumentNullException"/> when null).</param>
/// <param name="logger">Receives merges and warnings; null = no logging.</param>
/// <param name="options">Link following and the file size limit; null = the defaults.</param>
/// <param name="ids">Where the ids given are remembered, so a document keeps its id at the next load; null = not remembered.</param>
public sealed partial class CorpusLoader(PassageSplitter splitter, ILogger<CorpusLoader>? logger = null, CorpusOptions? options = null, PaperIdLedger? ids = null)
{
    private readonly PaperIdLedger? _ids = ids;
    private readonly PassageSplitter _splitter = splitter ?? throw new ArgumentNullException(nameof(splitter));
    private readonly ILogger _logger = logger ?? NullLogger<CorpusLoader>.Instance;
    private readonly CorpusOptions _options = options ?? new CorpusOptions();

    /// <summary>
    /// Loads every supported file (.txt, .md, .jsonl, .pdf) of <paramref name="folder"/> and its sub-folders. Never
    /// throws for bad content: a missing folder, an unreadable file, a link out of the folder or a malformed line
    /// becomes a warning.
    /// </summary>
    /// <param name="folder">The corpus folder (absolute, or relative to the working directory).</param>
    /// <param name="cancellationToken">Stops between folders and files.</param>
    /// <returns>The papers (identical copies merged), their passages, the warnings and the merges.</returns>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is null or empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<LoadedCorpus> LoadAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var warnings = new List<CorpusWarning>();
        if (!Directory.Exists(folder))
        {
            warnings.Add(new CorpusWarning(folder, null, "corpus folder does not exist; nothing to index"));
            return Finish(folder, [], warnings);
        }

        List<CorpusFile> files;
        try
        {
            files = CorpusFolderWalker.Walk(folder, _options.FollowExternalLinks, warnings, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            warnings.Add(new CorpusWarning(folder, null, $"corpus folder cannot be listed ({ex.Message}); nothing to index"));
            return Finish(folder, [], warnings);
        }

        if (files.Count == 0)
        {
            warnings.Add(new CorpusWarning(folder, null, "corpus folder holds no .txt, .md, .jsonl or .pdf files; nothing to index"));
        }

        var entries = new List<CorpusEntry>();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var content = await ReadFileAsync(file.Path, file.Relative, cancellationToken).ConfigureAwait(false);
            entries.AddRange(content.Entries);
            warnings.AddRange(content.Warnings);
        }

        return Finish(folder, entries, warnings);
    }

    /// <summary>The warning of a text-named file that holds binary data (<see cref="BinaryContentDetector"/>).</summary>
    internal const string NotTextMessage = "is not a text file (it holds binary data); skipped";

    private async Task<CorpusFileContent> ReadFileAsync(string path, string relative, CancellationToken cancellationToken)
    {
        try
        {
            var length = new FileInfo(path).Length;
            if (length == 0)
            {
                // Never opened: opening a named pipe waits for a writer, and a device can be read forever.
                return new CorpusFileContent([], [new CorpusWarning(relative, null, "is empty, or not a regular file (a pipe, socket or device); skipped")]);
            }

            if (length > _options.MaxFileBytes)
            {
                return new CorpusFileContent([], [new CorpusWarning(relative, null,
                    $"is {length:N0} bytes, more than {CorpusOptions.SectionName}:{nameof(CorpusOptions.MaxFileBytes)} ({_options.MaxFileBytes:N0}); skipped. Split it, or raise the limit")]);
            }

            var bytes = await ReadAtMostAsync(path, _options.MaxFileBytes, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                return new CorpusFileContent([], [new CorpusWarning(relative, null,
                    $"grew past {CorpusOptions.SectionName}:{nameof(CorpusOptions.MaxFileBytes)} ({_options.MaxFileBytes:N0} bytes) while being read; skipped")]);
            }

            return Parse(bytes, relative);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new CorpusFileContent([], [new CorpusWarning(relative, null, $"cannot be read ({ex.Message}); skipped")]);
        }
    }

    /// <summary>
    /// Why a document would add nothing to the index (a PDF PdfPig cannot open, a scan without a text layer, a JSONL
    /// file without one valid line), read exactly as an index build reads it from the corpus folder; null when it
    /// yields at least one paper. Lets a front end refuse such a document when it is added instead of indexing nothing.
    /// </summary>
    /// <param name="content">The document's bytes.</param>
    /// <param name="fileName">Its name (the extension picks the parser), as the warning names it.</param>
    /// <returns>The build's warning for the file (e.g. "not a readable PDF (...); skipped"), or null.</returns>
    public static CorpusWarning? WhyUnreadable(byte[] content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        var parsed = Parse(content, fileName);
        return parsed.Entries.Count > 0 ? null
            : parsed.Warnings.Count > 0 ? parsed.Warnings[^1]
            : new CorpusWarning(fileName, null, "holds no document text; skipped");
    }

    /// <summary>
    /// The papers of <paramref name="content"/> that the index build would merge, as identical copies, into papers of
    /// <paramref name="papers"/> (the same rule: title and text, whitespace aside, the title not counted when it is
    /// only a file name), each with the paper it copies; null when every paper of it is new. Lets a front end tell a
    /// user that a document they add under another name is already in the corpus: one paper, or a whole listing dump.
    /// </summary>
    /// <param name="content">The document's bytes.</param>
    /// <param name="fileName">Its name (the extension picks the parser; a one-line note is titled by it).</param>
    /// <param name="papers">The papers already indexed (an index's catalog, or other documents read by <see cref="ReadPapers"/>).</param>
    /// <returns>The document's copied papers with the existing ones, and how many papers it holds; or null.</returns>
    public static IdenticalCopies? FindIdenticalCopy(byte[] content, string fileName, IEnumerable<Paper> papers)
    {
        ArgumentNullException.ThrowIfNull(papers);
        var existing = new Dictionary<string, Paper>(StringComparer.Ordinal);
        foreach (var paper in papers)
        {
            existing.TryAdd(ContentKey(paper), paper);
        }

        var document = ReadPapers(content, fileName);
        List<PaperCopy> copies = [.. document
            .Select(paper => existing.TryGetValue(ContentKey(paper), out var copy) ? new PaperCopy(paper, copy) : null)
            .OfType<PaperCopy>()];
        return copies.Count == 0 ? null : new IdenticalCopies(copies, document.Count);
    }

    /// <summary>The papers one document yields, read as the index build reads it (none when it is unreadable).</summary>
    /// <param name="content">The document's bytes.</param>
    /// <param name="fileName">Its name, as the papers' <see cref="Paper.SourceFile"/> (the extension picks the parser).</param>
    /// <returns>Its papers, before identical copies are merged.</returns>
    public static IReadOnlyList<Paper> ReadPapers(byte[] content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        return [.. Parse(content, fileName).Entries.Select(e => e.Paper)];
    }

    // One file's bytes as papers, by its extension: the one parse of the index build and of WhyUnreadable.
    private static CorpusFileContent Parse(byte[] bytes, string relative)
    {
        var extension = Path.GetExtension(relative).ToLowerInvariant();
        if (extension == ".pdf")
        {
            using var buffer = new MemoryStream(bytes, writable: false);
            return PdfDocumentParser.Parse(buffer, relative);
        }

        // A renamed binary would decode as Windows-1252 (every byte is a character) and become junk papers.
        if (BinaryContentDetector.HoldsBinaryData(bytes))
        {
            return new CorpusFileContent([], [new CorpusWarning(relative, null, NotTextMessage)]);
        }

        var decoded = CorpusTextDecoder.Decode(bytes);
        // Control characters, whole escape sequences and bidirectional overrides go before parsing, so no title, text
        // or quote of any front end holds them, and a line of nothing else is blank. JSONL escapes (\u001b) and PDF
        // strings are decoded by their parsers, which apply the same rule to what they decode.
        var text = ControlCharacters.Strip(decoded.Text);
        var content = extension switch
        {
            ".jsonl" => JsonlDocumentParser.Parse(text, relative),
            ".txt" when ListingFormatParser.LooksLikeListing(text) => ListingFormatParser.Parse(text, relative),
            _ => PlainDocumentParser.Parse(text, relative),
        };
        return decoded.IsFallback
            ? content with
            {
                Warnings = [new CorpusWarning(relative, null, $"is not valid UTF-8 and has no byte order mark; read as Windows-1252. Save it as UTF-8 to silence this warning"), .. content.Warnings],
            }
            : content;
    }

    // The file's bytes, or null when it holds more than the limit (it grew after its size was read).
    private static async Task<byte[]?> ReadAtMostAsync(string path, long limit, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private LoadedCorpus Finish(string folder, List<CorpusEntry> entries, List<CorpusWarning> warnings)
    {
        // Merged only when the content is the same: two documents sharing a title ("# Notes") are both kept. A group
        // of copies keeps its first entry's place in corpus order, but its paper (a one-line note's title is its file
        // name) comes from the copy with the shortest file name, then the first in ordinal order: "moe_note.txt",
        // not "moe_note - Copy.txt", which sorts first.
        var groups = entries.GroupBy(e => ContentKey(e.Paper), StringComparer.Ordinal).ToList();
        var unique = new List<CorpusEntry>();
        var files = new List<List<string>>();
        var claims = new List<PaperIdClaim>();
        foreach (var group in groups)
        {
            var chosen = group
                .OrderBy(e => Path.GetFileName(e.Paper.SourceFile).Length)
                .ThenBy(e => e.Paper.SourceFile, StringComparer.Ordinal)
                .First();
            unique.Add(chosen);
            files.Add([chosen.Paper.SourceFile, .. group.Where(e => !ReferenceEquals(e, chosen)).Select(e => e.Paper.SourceFile)]);
            claims.Add(new PaperIdClaim(chosen.Paper.Id, PaperIdLedger.HashOf(group.Key), [.. files[^1].Distinct(StringComparer.Ordinal)], chosen.Paper.SourceLine));
        }

        // A title's id goes to the document that held it at the last load, not to whichever sorts first (PaperIdLedger).
        var ids = PaperIdLedger.Assign(claims, _ids?.Read(folder) ?? []);
        for (var i = 0; i < unique.Count; i++)
        {
            unique[i] = unique[i] with { Paper = unique[i].Paper with { Id = ids[i] } };
        }

        _ids?.Write(folder, [.. claims.Select((c, i) => new PaperIdRecord(ids[i], c.ContentHash, c.Files))]);

        var merges = new List<CorpusMerge>();
        for (var i = 0; i < unique.Count; i++)
        {
            if (files[i].Count > 1)
            {
                var sourceFiles = files[i].Distinct(StringComparer.Ordinal).ToList();
                unique[i] = unique[i] with { Paper = unique[i].Paper with { SourceFiles = sourceFiles } };
                merges.Add(new CorpusMerge(unique[i].Paper.Title, files[i].Count, sourceFiles));
            }
        }

        var passages = unique.SelectMany(_splitter.Split).ToList();
        warnings.AddRange(LargeDocuments(unique.Select(e => e.Paper), passages));
        foreach (var warning in warnings)
        {
            LogSkipped(warning.ToString());
        }

        // One line at start however many copies were merged; each merge only at Debug (the console's `index` lists them).
        if (merges.Count > 0)
        {
            LogMergedCount(merges.Count);
        }

        foreach (var merge in merges)
        {
            LogMerged(merge);
        }

        LogLoaded(folder, unique.Count, entries.Count, passages.Count, warnings.Count);
        return new LoadedCorpus(unique.Select(e => e.Paper).ToList(), passages, warnings, entries.Count) { Merges = merges };
    }

    // A document of more passages than Corpus:LargeDocumentPassages is kept, and named: unnoticed, its passages would
    // keep the background embedding busy for hours (a 32 MB one-line text makes about 47,000) and crowd the search.
    private IEnumerable<CorpusWarning> LargeDocuments(IEnumerable<Paper> papers, IReadOnlyList<Passage> passages)
    {
        var counts = passages.CountBy(p => p.PaperId).Where(c => c.Value > _options.LargeDocumentPassages).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        foreach (var paper in papers.Where(p => counts.ContainsKey(p.Id)))
        {
            yield return new CorpusWarning(paper.SourceFile, null,
                $"is one document of {counts[paper.Id]:N0} passages, more than {CorpusOptions.SectionName}:{nameof(CorpusOptions.LargeDocumentPassages)} ({_options.LargeDocumentPassages:N0}); " +
                "indexed whole, but embedding it keeps the background indexing busy for long and its passages crowd the search. Split it into smaller documents, or move it out of the corpus folder");
        }
    }

    // What makes two papers the same document: their text (the title too, unless it is only the file's name) with
    // every whitespace run collapsed to one space, so line endings, wrapping and indentation do not matter.
    private static string ContentKey(Paper paper)
    {
        var text = paper.TitledByFileName ? paper.Abstract : paper.Title + " " + paper.Abstract;
        return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Corpus: {Merge}")]
    private partial void LogMerged(CorpusMerge merge);

    [LoggerMessage(Level = LogLevel.Information, Message = "Corpus: {Count} documents had identical copies, each merged into one source")]
    private partial void LogMergedCount(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Corpus: {Problem}")]
    private partial void LogSkipped(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Corpus {Folder}: unique papers {Papers}, entries {Entries}, passages {Passages}, problems skipped {Warnings}")]
    private partial void LogLoaded(string folder, int papers, int entries, int passages, int warnings);
}
