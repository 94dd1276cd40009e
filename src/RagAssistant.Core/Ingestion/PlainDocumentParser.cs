namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Reads a user's own <c>.md</c> or <c>.txt</c> document as one paper: the title is the first Markdown heading
/// (or the first line), the rest is the text; a one-line file is titled by its file name.
/// </summary>
internal static class PlainDocumentParser
{
    /// <summary>Parses one document; an empty one yields a warning and no entry.</summary>
    public static CorpusFileContent Parse(string text, string sourceFile)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceFile);

        var lines = ListingFormatParser.SplitLines(text);
        var titleIndex = Array.FindIndex(lines, l => l.TrimStart().StartsWith('#'));
        if (titleIndex < 0)
        {
            titleIndex = Array.FindIndex(lines, l => l.Trim().Length > 0);
        }

        if (titleIndex < 0)
        {
            return new CorpusFileContent([], [new CorpusWarning(sourceFile, null, "document is empty; skipped")]);
        }

        var title = lines[titleIndex].Trim().TrimStart('#').Trim();
        var body = string.Join(' ', lines.Where((l, i) => i != titleIndex).Select(l => l.Trim()).Where(l => l.Length > 0));
        var titledByFileName = body.Length == 0;
        if (titledByFileName)
        {
            // A single line of prose: the text is the line, the title the file name.
            body = title;
            title = FileNameTitle(sourceFile);
        }

        var paper = new Paper(PaperIdentity.CreateId(title), title, body, null, null, sourceFile, titleIndex + 1) { TitledByFileName = titledByFileName };
        return new CorpusFileContent([new CorpusEntry(paper, IsAbstract: false)], []);
    }

    // A file name may hold escape sequences and line breaks too: shown on one line without them, or, when nothing
    // else is left, with them escaped visibly ("\u001b[2J"), so the title is never empty.
    private static string FileNameTitle(string sourceFile)
    {
        var name = Path.GetFileNameWithoutExtension(sourceFile);
        var clean = ControlCharacters.StripToOneLine(name).Trim();
        return clean.Length > 0 ? clean : ControlCharacters.Escape(name);
    }
}
