using System.Text;
using System.Text.RegularExpressions;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Evidence;

/// <summary>
/// Splits an answer, as it streams, into claims: each line (list bullets dropped) into sentences, and a sentence that
/// cites sources at several places into its cited parts ("A does X [1], while B does Y [2]." is two claims). A marker
/// written after the full stop ("X. [1] Next") belongs to the sentence before it. A sentence is complete, and handed
/// out, once the next one has begun; <see cref="Flush"/> hands out the last. What makes no claim about the sources is
/// left out: an uncited heading that ends with ':' ("In summary:"), an uncited sentence with fewer than two content
/// words besides courtesy ("Sure!", "Great question.", "I hope this helps."), and the refusal phrase.
/// </summary>
public sealed partial class ClaimSplitter
{
    private static readonly HashSet<string> CourtesyWords = new(StringComparer.Ordinal)
    {
        "hello", "sure", "certa", "thank", "great", "quest", "glad", "help", "helps", "happy", "here", "cours", "let",
        "explain", "answer", "hope", "summa", "conclu", "overa", "follo", "below", "infor", "provi", "sourc", "based",
        "okay", "will", "would", "like", "what", "say", "says",
    };

    private readonly StringBuilder _pending = new();
    private readonly string _refusalPhrase;

    // Characters of the answer before the pending text: handed out already.
    private int _offset;

    /// <summary>Creates a splitter for one answer.</summary>
    /// <param name="refusalPhrase">The fixed refusal the system prompt asks for; a sentence that is it is no claim.</param>
    public ClaimSplitter(string refusalPhrase)
    {
        ArgumentNullException.ThrowIfNull(refusalPhrase);
        _refusalPhrase = refusalPhrase;
    }

    /// <summary>
    /// Where, in the whole answer text pushed so far, the last sentence handed out ends (its closing punctuation and
    /// markers included, the space after it not): a front end puts the claim's mark there.
    /// </summary>
    public int CompletedEnd { get; private set; }

    /// <summary>The claims of a whole answer, in order.</summary>
    /// <param name="answer">The answer text as shown, citation markers included.</param>
    /// <param name="refusalPhrase">The fixed refusal phrase.</param>
    public static IReadOnlyList<ClaimText> Split(string answer, string refusalPhrase)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var splitter = new ClaimSplitter(refusalPhrase);
        return [.. splitter.Push(answer), .. splitter.Flush()];
    }

    /// <summary>Feeds the next piece of the answer text as shown; returns the claims completed by it.</summary>
    public IReadOnlyList<ClaimText> Push(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _pending.Append(text);
        var pending = _pending.ToString();
        var spans = Sentences(pending);
        if (spans.Count < 2)
        {
            return [];
        }

        // Every sentence but the last is complete: the next one has begun with words, not with a marker of this one.
        var claims = new List<ClaimText>();
        for (var i = 0; i < spans.Count - 1; i++)
        {
            claims.AddRange(Claims(pending[spans[i].Start..spans[i].End]));
        }

        CompletedEnd = _offset + spans[^2].End;
        _offset += spans[^1].Start;
        _pending.Clear().Append(pending[spans[^1].Start..]);
        return claims;
    }

    /// <summary>Ends the answer; returns the claims of what is left.</summary>
    public IReadOnlyList<ClaimText> Flush()
    {
        var pending = _pending.ToString();
        _pending.Clear();
        CompletedEnd = _offset + pending.TrimEnd().Length;
        _offset += pending.Length;
        return [.. Sentences(pending).SelectMany(span => Claims(pending[span.Start..span.End]))];
    }

    // Sentence spans of the text: per line, then per sentence, each with the markers that open the next one.
    private static List<(int Start, int End)> Sentences(string text)
    {
        var spans = new List<(int Start, int End)>();
        var lineStart = 0;
        while (lineStart <= text.Length)
        {
            var lineEnd = text.IndexOf('\n', lineStart);
            if (lineEnd < 0)
            {
                lineEnd = text.Length;
            }

            var line = text[lineStart..lineEnd];
            var cursor = 0;
            var first = spans.Count;
            foreach (var sentence in SentenceSplitter.Split(line))
            {
                var at = line.IndexOf(sentence, cursor, StringComparison.Ordinal);
                if (at < 0)
                {
                    continue;
                }

                var start = lineStart + at;
                var end = start + sentence.Length;
                cursor = at + sentence.Length;
                var lead = LeadingMarkers().Match(sentence);
                if (spans.Count > first && lead.Success)
                {
                    // "X. [1] Next": the marker closes the sentence before it.
                    spans[^1] = (spans[^1].Start, start + lead.Length);
                    start += lead.Length;
                    if (start >= end)
                    {
                        continue;
                    }
                }

                spans.Add((start, end));
            }

            // A line's last sentence is complete once the next line has begun: keep it, the newline separates.
            lineStart = lineEnd + 1;
        }

        return spans;
    }

    private IEnumerable<ClaimText> Claims(string sentence)
    {
        var text = ListItem().Replace(sentence, string.Empty).Trim();
        if (text.Length == 0)
        {
            yield break;
        }

        // The cited parts: a marker group (markers separated only by spaces and commas) ends a part, unless only
        // punctuation follows it.
        var parts = new List<(string Text, List<int> Cited)>();
        var partStart = 0;
        var cited = new List<int>();
        var lastEnd = -1;
        foreach (Match bracket in CitationStreamParser.FindBrackets(text))
        {
            if (!CitationStreamParser.TryParseMarker(bracket.Value, out var numbers))
            {
                continue;
            }

            if (lastEnd >= 0 && HasWords(text[lastEnd..bracket.Index]))
            {
                parts.Add((text[partStart..lastEnd], cited));
                partStart = lastEnd;
                cited = [];
            }

            foreach (var n in numbers.Where(n => !cited.Contains(n)))
            {
                cited.Add(n);
            }

            lastEnd = bracket.Index + bracket.Length;
        }

        parts.Add((text[partStart..], cited));

        // "Both [1] and [2] show X.": a part too short to claim anything joins the next one with its citations.
        for (var i = parts.Count - 2; i >= 0; i--)
        {
            if (ContentWords.Terms(Plain(parts[i].Text)).Count < 2)
            {
                parts[i] = (parts[i].Text + parts[i + 1].Text, [.. parts[i].Cited, .. parts[i + 1].Cited.Where(n => !parts[i].Cited.Contains(n))]);
                parts.RemoveAt(i + 1);
            }
        }

        foreach (var (part, numbers) in parts)
        {
            var claim = part.Trim().TrimStart(',', ';', ' ').Trim();
            if (claim.Length > 0 && IsClaim(claim, numbers.Count > 0))
            {
                yield return new ClaimText(claim, numbers);
            }
        }
    }

    private bool IsClaim(string text, bool cites)
    {
        var plain = Plain(text);
        if (RefusalDetector.IsRefusal(plain, _refusalPhrase) || plain.StartsWith(ExtractiveAnswerer.Label, StringComparison.Ordinal) ||
            plain.StartsWith(AnswerPipeline.NotCoveredLead, StringComparison.Ordinal))
        {
            return false;
        }

        if (cites)
        {
            return true;
        }

        return !plain.EndsWith(':') && ContentWords.Terms(plain).Count(t => !CourtesyWords.Contains(t)) >= 2;
    }

    /// <summary>The text without its bracketed citation markers.</summary>
    internal static string Plain(string text)
    {
        var bare = CitationStreamParser.FindBrackets(text).Aggregate(text, (t, m) => t.Replace(m.Value, " ", StringComparison.Ordinal));
        return SpaceBeforePunctuation().Replace(Spaces().Replace(bare, " "), "$1").Trim();
    }

    private static bool HasWords(string text) => text.Any(char.IsLetterOrDigit);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@" ([.,;:!?])")]
    private static partial Regex SpaceBeforePunctuation();

    // One or more citation markers (with the spaces and commas between them) at the start of a sentence.
    [GeneratedRegex(@"^(?:[\[【][^\[\]【】\r\n]{1,48}[\]】][\s,.;]*)+")]
    private static partial Regex LeadingMarkers();

    // A list bullet or number at the start of a line: "- ", "* ", "• ", "1. ", "2) ".
    [GeneratedRegex(@"^\s*(?:[-*•]|\d{1,2}[.)])\s+")]
    private static partial Regex ListItem();
}
