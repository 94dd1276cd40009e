using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RagAssistant.Core;
using RagAssistant.Hosting.Contract;

namespace RagAssistant.Hosting.Conversations;

/// <summary>
/// A conversation as a Markdown document: its title, each question as a heading with its answer, and one numbered
/// reference list for the whole conversation. Each answer's own <c>[n]</c> markers are renumbered to the paper's
/// place in that list (first cited, first numbered), so a paper cited in several turns has one number. A cancelled
/// or failed answer keeps its partial text and says how it ended.
/// </summary>
public static partial class ConversationMarkdown
{
    /// <summary>Writes the document.</summary>
    /// <param name="conversation">The conversation with its turns.</param>
    /// <returns>The Markdown text (UTF-8 when saved, LF line ends).</returns>
    public static string Write(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var references = new List<(string PaperId, string Title, string? Date)>();
        var text = new StringBuilder();
        text.Append("# ").Append(HeadingText(conversation.Title)).Append("\n\n");
        text.Append(CultureInfo.InvariantCulture, $"_Created {conversation.Created:yyyy-MM-dd HH:mm} UTC, updated {conversation.Updated:yyyy-MM-dd HH:mm} UTC._\n");
        foreach (var turn in conversation.Turns)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n## {turn.Number}. {HeadingText(turn.Question)}\n");
            var sources = SourcesOf(turn.AnswerJson);
            var answer = Marker().Replace(turn.AnswerText ?? string.Empty, match =>
            {
                var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                if (!sources.TryGetValue(n, out var source))
                {
                    return match.Value;
                }

                var index = references.FindIndex(r => r.PaperId == source.PaperId);
                if (index < 0)
                {
                    references.Add(source);
                    index = references.Count - 1;
                }

                return string.Create(CultureInfo.InvariantCulture, $"[{index + 1}]");
            });
            // Model output (a document's text is clean from ingestion): Markdown has no escaping, and `curl` prints it.
            // A turn that failed or was cancelled before any text has none: its note follows the heading's blank line.
            answer = ControlCharacters.Strip(answer).Trim();
            if (answer.Length > 0)
            {
                text.Append('\n').Append(answer).Append('\n');
            }

            switch (turn.Status)
            {
                case TurnStatus.Cancelled:
                    text.Append("\n_(The answer was cancelled here.)_\n");
                    break;
                case TurnStatus.Failed:
                    text.Append(CultureInfo.InvariantCulture, $"\n_(The answer failed: {OneLine(turn.Error ?? "unknown error")})_\n");
                    break;
                case TurnStatus.Pending:
                    text.Append("\n_(No answer was stored: it was still being generated.)_\n");
                    break;
            }
        }

        if (references.Count > 0)
        {
            text.Append("\n## References\n\n");
            for (var i = 0; i < references.Count; i++)
            {
                var (paperId, title, date) = references[i];
                text.Append(CultureInfo.InvariantCulture, $"{i + 1}. {OneLine(title)} ({paperId}{(date is null ? string.Empty : ", " + date)})\n");
            }
        }

        return text.ToString();
    }

    // The offered sources of a stored answer object, by their number in that answer.
    private static Dictionary<int, (string PaperId, string Title, string? Date)> SourcesOf(string? answerJson)
    {
        var sources = new Dictionary<int, (string, string, string?)>();
        if (answerJson is null)
        {
            return sources;
        }

        using var document = JsonDocument.Parse(answerJson);
        if (document.RootElement.TryGetProperty("sources", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var source in list.EnumerateArray())
            {
                sources[source.GetProperty("n").GetInt32()] = (
                    source.GetProperty("paper_id").GetString() ?? string.Empty,
                    source.GetProperty("title").GetString() ?? string.Empty,
                    source.TryGetProperty("date", out var date) ? date.GetString() : null);
            }
        }

        return sources;
    }

    // A title or question as a heading's text, on one line. Its first character is escaped when Markdown reads it as
    // syntax at the start of a line ('# heading' would be the heading "# heading" only by a renderer's grace, '#' alone
    // an empty one), and so is a closing run of '#', which Markdown drops from a heading ("C #" would be "C").
    private static string HeadingText(string text)
    {
        var line = OneLine(text);
        if (line.Length > 0 && LeadingSyntax.Contains(line[0]))
        {
            line = "\\" + line;
        }

        var hashes = line.Length - line.TrimEnd('#').Length;
        var start = line.Length - hashes;
        return hashes > 0 && start > 0 && line[start - 1] == ' ' ? $"{line[..start]}\\{line[start..]}" : line;
    }

    private const string LeadingSyntax = "#>-+*=`~|<[!";

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Marker();
}
