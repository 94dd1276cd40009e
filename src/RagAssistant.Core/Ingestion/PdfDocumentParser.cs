using UglyToad.PdfPig;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Reads the text layer of a PDF with PdfPig. The title is the document's Title property, else its first line.
/// A PDF without a text layer (a scan) or one PdfPig cannot open is reported and skipped.
/// </summary>
internal static class PdfDocumentParser
{
    /// <summary>Parses one PDF file.</summary>
    public static CorpusFileContent Parse(Stream pdf, string sourceFile)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(sourceFile);

        List<string> pages;
        string? title;
        try
        {
            using var document = PdfDocument.Open(pdf);
            // Metadata and text strings may hold any character: stripped as a text file's are.
            title = ControlCharacters.StripToOneLine(document.Information.Title);
            pages = document.GetPages()
                .Select(page => ControlCharacters.StripToOneLine(string.Join(' ', page.GetWords().Select(w => w.Text))))
                .Where(t => t.Length > 0)
                .ToList();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Skip(sourceFile, $"not a readable PDF ({ex.Message}); skipped");
        }

        var text = string.Join(' ', pages).Trim();
        if (text.Length == 0)
        {
            return Skip(sourceFile, "PDF has no text layer (scanned image?); skipped");
        }

        if (string.IsNullOrWhiteSpace(title))
        {
            // No metadata title: use the start of the text, cut at the first sentence end or 15 words.
            var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            title = string.Join(' ', words.Take(15));
            var end = title.IndexOfAny(['.', '?', '!']);
            title = end > 0 ? title[..end] : title;
        }

        var paper = new Paper(PaperIdentity.CreateId(title), title.Trim(), text, null, null, sourceFile, 1);
        return new CorpusFileContent([new CorpusEntry(paper, IsAbstract: false)], []);
    }

    private static CorpusFileContent Skip(string sourceFile, string message) =>
        new([], [new CorpusWarning(sourceFile, null, message)]);
}
