using System.Globalization;
using System.Text;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Answering;

/// <summary>The sources that fit the prompt, numbered 1..n in rank order, and what had to give way.</summary>
/// <param name="Sources">Sources to offer, possibly with the last one's text trimmed.</param>
/// <param name="Dropped">Lower-ranked sources left out for lack of room.</param>
/// <param name="Trimmed">True when a source's text was cut at a sentence (or, failing that, word) boundary.</param>
internal sealed record PackedSources(IReadOnlyList<AnswerSource> Sources, int Dropped, bool Trimmed)
{
    /// <summary>The sources as they appear in the prompt: "[n] Title (date)" then the text, blank line between.</summary>
    public string Block => ContextPacker.FormatBlock(Sources);
}

/// <summary>
/// Fits ranked sources into a token budget measured with the chat model's tokenizer: sources are taken in rank
/// order while they fit, so the lowest-ranked go first; when not even the best one fits whole, its text is cut at
/// the last sentence boundary that fits (at a word boundary if its first sentence alone is too long).
/// </summary>
internal sealed class ContextPacker(ITokenizer tokenizer)
{
    private const string Separator = "\n\n";
    private const string Ellipsis = " …";

    public PackedSources Pack(IReadOnlyList<AnswerSource> ranked, int budgetTokens)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        var packed = new List<AnswerSource>(ranked.Count);
        var used = 0;
        var trimmed = false;
        foreach (var candidate in ranked)
        {
            var source = candidate with { Number = packed.Count + 1 };
            var cost = CountBlock(source);
            if (used + cost <= budgetTokens)
            {
                packed.Add(source);
                used += cost;
                continue;
            }

            // Only the best source is worth trimming: a lower one would push out nothing but itself.
            if (packed.Count == 0 && Trim(source, budgetTokens) is { } cut)
            {
                packed.Add(cut);
                trimmed = true;
            }

            break;
        }

        return new PackedSources(packed, ranked.Count - packed.Count, trimmed);
    }

    /// <summary>The prompt block for <paramref name="sources"/>.</summary>
    public static string FormatBlock(IReadOnlyList<AnswerSource> sources) =>
        string.Join(Separator, sources.Select(FormatSource));

    private static string FormatSource(AnswerSource source)
    {
        var header = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"[{source.Number}] {source.Title}");
        if (!string.IsNullOrWhiteSpace(source.Date))
        {
            header.Append(CultureInfo.InvariantCulture, $" ({source.Date})");
        }

        return header.Append('\n').Append(source.Text).ToString();
    }

    // The separator is counted with every block so that the sum over blocks bounds the joined text.
    private int CountBlock(AnswerSource source) => tokenizer.CountTokens(FormatSource(source) + Separator);

    private AnswerSource? Trim(AnswerSource source, int budgetTokens)
    {
        var sentences = SentenceSplitter.Split(source.Text);
        AnswerSource? best = null;
        var text = new StringBuilder();
        foreach (var sentence in sentences)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(sentence);
            var candidate = source with { Text = text + Ellipsis };
            if (CountBlock(candidate) > budgetTokens)
            {
                break;
            }

            best = candidate;
        }

        return best ?? TrimWords(source, sentences.Count > 0 ? sentences[0] : source.Text, budgetTokens);
    }

    private AnswerSource? TrimWords(AnswerSource source, string sentence, int budgetTokens)
    {
        var words = sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var low = 0;
        var high = words.Length;
        AnswerSource? best = null;
        while (low < high)
        {
            var count = (low + high + 1) / 2;
            var candidate = source with { Text = string.Join(' ', words.Take(count)) + Ellipsis };
            if (CountBlock(candidate) <= budgetTokens)
            {
                best = candidate;
                low = count;
            }
            else
            {
                high = count - 1;
            }
        }

        return best;
    }
}
