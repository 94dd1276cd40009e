using System.Globalization;
using System.Text;

namespace RagAssistant.Core.Answering;

/// <summary>The Sources list shown after an answer: the papers the answer cites, numbered as in the answer.</summary>
public static class AnswerSourcesList
{
    /// <summary>The offered sources the answer cites, in source-number order.</summary>
    public static IReadOnlyList<AnswerSource> CitedSources(AnswerResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var cited = result.Citations.Select(c => c.Number).ToHashSet();
        return [.. result.Sources.Where(s => cited.Contains(s.Number)).OrderBy(s => s.Number)];
    }

    /// <summary>
    /// Plain text: "Sources:" then one "[n] Title (date) — file" line per cited paper, and a line naming markers that
    /// matched no source. Empty when nothing was cited and nothing was flagged.
    /// </summary>
    public static string Format(AnswerResult result)
    {
        var sources = CitedSources(result);
        var text = new StringBuilder();
        if (sources.Count > 0)
        {
            text.Append("Sources:");
            foreach (var source in sources)
            {
                text.Append('\n').Append(CultureInfo.InvariantCulture, $"[{source.Number}] {source.Title}");
                if (!string.IsNullOrWhiteSpace(source.Date))
                {
                    text.Append(CultureInfo.InvariantCulture, $" ({source.Date})");
                }

                text.Append(CultureInfo.InvariantCulture, $" — {string.Join(", ", source.SourceFiles)}");
            }
        }

        if (result.InvalidCitations.Count > 0)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            var numbers = string.Join(", ", result.InvalidCitations.Select(n => n.ToString(CultureInfo.InvariantCulture)));
            text.Append(CultureInfo.InvariantCulture, $"Not a source: [{numbers}] (the answer cites numbers that name no offered source; shown as [?n]).");
        }

        return text.ToString();
    }
}
