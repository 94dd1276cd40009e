using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RagAssistant.Core.Corpus;

/// <summary>The parsed corpus: unique papers, their passages, and everything that was skipped.</summary>
/// <param name="Papers">Unique papers, in corpus order (files by name, then position).</param>
/// <param name="Passages">Passages of all papers, in paper order.</param>
/// <param name="Warnings">Problems found, with file and line; the affected items were skipped.</param>
/// <param name="Entries">Papers read before de-duplication by normalised title.</param>
public sealed record LoadedCorpus(
    IReadOnlyList<Paper> Papers,
    IReadOnlyList<Passage> Passages,
    IReadOnlyList<CorpusWarning> Warnings,
    int Entries);

/// <summary>
/// Reads every supported file of a corpus folder (listing dumps and plain documents as .txt/.md, .jsonl, .pdf),
/// de-duplicates papers by normalised title (the first occurrence wins) and splits documents into passages.
/// Nothing here throws for bad input: each problem becomes a <see cref="CorpusWarning"/> and the rest is kept.
/// </summary>
public sealed partial class CorpusLoader(PassageSplitter splitter, ILogger<CorpusLoader>? logger = null)
{
    private static readonly HashSet<string> SupportedExtensions = new(StringComparer.OrdinalIgnoreCase) { ".txt", ".md", ".jsonl", ".pdf" };

    private readonly PassageSplitter _splitter = splitter ?? throw new ArgumentNullException(nameof(splitter));
    private readonly ILogger _logger = logger ?? NullLogger<CorpusLoader>.Instance;

    /// <summary>Loads the corpus folder.</summary>
    public async Task<LoadedCorpus> LoadAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var warnings = new List<CorpusWarning>();
        if (!Directory.Exists(folder))
        {
            warnings.Add(new CorpusWarning(folder, null, "corpus folder does not exist; nothing to index"));
            return Finish(folder, [], warnings);
        }

        string[] files;
        try
        {
            files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => SupportedExtensions.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            warnings.Add(new CorpusWarning(folder, null, $"corpus folder cannot be listed ({ex.Message}); nothing to index"));
            return Finish(folder, [], warnings);
        }

        if (files.Length == 0)
        {
            warnings.Add(new CorpusWarning(folder, null, "corpus folder holds no .txt, .md, .jsonl or .pdf files; nothing to index"));
        }

        var entries = new List<CorpusEntry>();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            var content = await ReadFileAsync(file, relative, cancellationToken).ConfigureAwait(false);
            entries.AddRange(content.Entries);
            warnings.AddRange(content.Warnings);
        }

        return Finish(folder, entries, warnings);
    }

    private static async Task<CorpusFileContent> ReadFileAsync(string path, string relative, CancellationToken cancellationToken)
    {
        try
        {
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension == ".pdf")
            {
                await using var stream = File.OpenRead(path);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                buffer.Position = 0;
                return PdfDocumentParser.Parse(buffer, relative);
            }

            var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            return extension switch
            {
                ".jsonl" => JsonlDocumentParser.Parse(text, relative),
                ".txt" when ListingFormatParser.LooksLikeListing(text) => ListingFormatParser.Parse(text, relative),
                _ => PlainDocumentParser.Parse(text, relative),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new CorpusFileContent([], [new CorpusWarning(relative, null, $"cannot be read ({ex.Message}); skipped")]);
        }
    }

    private LoadedCorpus Finish(string folder, List<CorpusEntry> entries, List<CorpusWarning> warnings)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = new List<CorpusEntry>();
        foreach (var entry in entries)
        {
            if (seen.Add(entry.Paper.Id))
            {
                unique.Add(entry);
            }
        }

        var passages = unique.SelectMany(_splitter.Split).ToList();
        foreach (var warning in warnings)
        {
            LogSkipped(warning.ToString());
        }

        LogLoaded(folder, unique.Count, entries.Count, passages.Count, warnings.Count);
        return new LoadedCorpus(unique.Select(e => e.Paper).ToList(), passages, warnings, entries.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Corpus: {Problem}")]
    private partial void LogSkipped(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Corpus {Folder}: {Papers} unique papers from {Entries} entries, {Passages} passages, {Warnings} problems skipped")]
    private partial void LogLoaded(string folder, int papers, int entries, int passages, int warnings);
}
