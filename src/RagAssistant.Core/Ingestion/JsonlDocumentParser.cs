using System.Text.Json;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Reads JSON Lines: one paper per line with <c>title</c>, <c>abstract</c> and optional <c>url</c> and <c>date</c>.
/// A malformed line, or one missing title or abstract, is reported with its line number and skipped.
/// </summary>
internal static class JsonlDocumentParser
{
    /// <summary>Parses one JSONL file.</summary>
    public static CorpusFileContent Parse(string text, string sourceFile)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceFile);

        var entries = new List<CorpusEntry>();
        var warnings = new List<CorpusWarning>();
        var lines = ListingFormatParser.SplitLines(text);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    warnings.Add(new CorpusWarning(sourceFile, i + 1, "line is not a JSON object; skipped"));
                    continue;
                }

                var title = ReadString(document.RootElement, "title");
                var abstractText = ReadString(document.RootElement, "abstract");
                if (string.IsNullOrWhiteSpace(title) || string.IsNullOrWhiteSpace(abstractText))
                {
                    warnings.Add(new CorpusWarning(sourceFile, i + 1, "line lacks a non-empty \"title\" or \"abstract\" string; skipped"));
                    continue;
                }

                var paper = new Paper(PaperIdentity.CreateId(title), title.Trim(), abstractText.Trim(), ReadString(document.RootElement, "date"), null, sourceFile, i + 1)
                {
                    Url = ReadString(document.RootElement, "url"),
                };
                entries.Add(new CorpusEntry(paper, IsAbstract: true));
            }
            catch (JsonException ex)
            {
                warnings.Add(new CorpusWarning(sourceFile, i + 1, $"malformed JSON ({MalformedJson.Describe(ex, withLine: false)}); skipped"));
            }
        }

        return new CorpusFileContent(entries, warnings);
    }

    // A JSON escape (\u001b, \u202e) decodes to the character the file's text had no raw copy of: stripped here.
    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? ControlCharacters.Strip(value.GetString()) : null;
}
