using System.Globalization;
using System.Text.RegularExpressions;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Parses the paper-listing dumps (daily-papers pages copied as text): titles and abstracts alternate as single
/// lines, with or without blank lines between them, among page boilerplate and optional metadata blocks
/// (author count or organisation, a lone "·", a date with optional upvotes) that follow the abstract they belong to.
/// Lines are classified one by one rather than split on blank lines, so both layouts parse the same way.
/// </summary>
internal static partial class ListingFormatParser
{
    // A line this long cannot be a title (titles are at most ~25 words); it is an abstract that lost its title.
    private const int MaxTitleWords = 40;

    private static readonly HashSet<string> Boilerplate = new(StringComparer.OrdinalIgnoreCase)
    {
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "byAK and the research community",
        "Daily Papers",
    };

    /// <summary>True when <paramref name="text"/> looks like a listing dump rather than a plain text document.</summary>
    public static bool LooksLikeListing(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var content = SplitLines(text).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (content.Any(Boilerplate.Contains) || content.Any(l => l.StartsWith("Get trending papers", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        // Without boilerplate, require the title/abstract rhythm: short line, long line, at least twice.
        if (content.Count < 4 || content.Count % 2 != 0)
        {
            return false;
        }

        for (var i = 0; i < content.Count; i += 2)
        {
            if (WordCount(content[i]) > MaxTitleWords || WordCount(content[i + 1]) < MaxTitleWords / 2)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses one listing file.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="sourceFile">File name relative to the corpus folder, recorded on each paper and warning.</param>
    public static CorpusFileContent Parse(string text, string sourceFile)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceFile);

        var lines = SplitLines(text);
        var entries = new List<CorpusEntry>();
        var warnings = new List<CorpusWarning>();
        EntryBuilder? current = null;
        (string Text, int Line)? pendingTitle = null;
        var seenFirstEntry = false;

        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (!seenFirstEntry)
            {
                if (Boilerplate.Contains(line) || line.Equals("new", StringComparison.OrdinalIgnoreCase) || DatePattern().IsMatch(line))
                {
                    continue; // header: boilerplate and the listing day, not a paper date
                }

                // Some dumps glue the "Subscribe" button to the first title ("SubscribeQuark: ...").
                if (line.StartsWith("Subscribe", StringComparison.Ordinal) && line.Length > 9 && char.IsUpper(line[9]))
                {
                    line = line[9..];
                }
            }
            else if (Boilerplate.Contains(line))
            {
                continue;
            }

            if (line == "·")
            {
                continue; // separator inside a metadata block; the organisation line before it was handled by look-ahead
            }

            if (AuthorsPattern().Match(line) is { Success: true } authors)
            {
                AttachMetadata(current, pendingTitle, warnings, sourceFile, lineNumber, b => b.AuthorCount = int.Parse(authors.Groups[1].Value, CultureInfo.InvariantCulture));
                continue;
            }

            if (DatePattern().Match(line) is { Success: true } date)
            {
                AttachMetadata(current, pendingTitle, warnings, sourceFile, lineNumber, b =>
                {
                    b.Date = date.Groups["date"].Value;
                    if (date.Groups["upvotes"].Success)
                    {
                        b.Upvotes = int.Parse(date.Groups["upvotes"].Value, CultureInfo.InvariantCulture);
                    }
                });
                continue;
            }

            if (NextContentLine(lines, i + 1) == "·")
            {
                // Structural rule: the short line right before a "·" is an organisation, whatever its words.
                var organization = ParseOrganization(line);
                AttachMetadata(current, pendingTitle, warnings, sourceFile, lineNumber, b => b.Organization = organization);
                continue;
            }

            if (pendingTitle is null)
            {
                if (WordCount(line) > MaxTitleWords)
                {
                    warnings.Add(new CorpusWarning(sourceFile, lineNumber, "text without a title line before it; skipped"));
                    continue;
                }

                Flush(current, entries);
                current = null;
                pendingTitle = (line, lineNumber);
                seenFirstEntry = true;
            }
            else
            {
                current = new EntryBuilder(pendingTitle.Value.Text, line, sourceFile, pendingTitle.Value.Line);
                pendingTitle = null;
            }
        }

        Flush(current, entries);
        if (pendingTitle is { } orphan)
        {
            warnings.Add(new CorpusWarning(sourceFile, orphan.Line, $"title \"{orphan.Text}\" has no abstract; skipped"));
        }

        return new CorpusFileContent(entries, warnings);
    }

    internal static string[] SplitLines(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimEnd('\r');
        }

        return lines;
    }

    internal static int WordCount(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private static string? NextContentLine(string[] lines, int start)
    {
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length > 0)
            {
                return line;
            }
        }

        return null;
    }

    private static void AttachMetadata(
        EntryBuilder? current,
        (string Text, int Line)? pendingTitle,
        List<CorpusWarning> warnings,
        string sourceFile,
        int lineNumber,
        Action<EntryBuilder> apply)
    {
        if (pendingTitle is { } title)
        {
            warnings.Add(new CorpusWarning(sourceFile, lineNumber, $"metadata where the abstract of \"{title.Text}\" was expected; ignored"));
            return;
        }

        if (current is null)
        {
            warnings.Add(new CorpusWarning(sourceFile, lineNumber, "metadata line before any paper; ignored"));
            return;
        }

        apply(current);
    }

    // "google Google" → "Google": listings repeat the organisation's handle and display name.
    private static string ParseOrganization(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && parts[0].Equals(parts[1], StringComparison.OrdinalIgnoreCase) ? parts[1] : line;
    }

    private static void Flush(EntryBuilder? builder, List<CorpusEntry> entries)
    {
        if (builder is not null)
        {
            entries.Add(new CorpusEntry(builder.Build(), IsAbstract: true));
        }
    }

    [GeneratedRegex(@"^(?<date>(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}(, \d{4})?)( (?<upvotes>\d+))?$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^•\s*(\d+) authors?$")]
    private static partial Regex AuthorsPattern();

    private sealed class EntryBuilder(string title, string abstractText, string sourceFile, int line)
    {
        public string? Date { get; set; }

        public int? AuthorCount { get; set; }

        public string? Organization { get; set; }

        public int? Upvotes { get; set; }

        public Paper Build() => new(PaperIdentity.CreateId(title), title, abstractText, Date, AuthorCount, sourceFile, line)
        {
            Organization = Organization,
            Upvotes = Upvotes,
            FromListing = true,
        };
    }
}
