using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Recognises citation markers in streamed answer text, also when a marker is split across tokens: <c>[1]</c>,
/// <c>[1, 3]</c>, <c>[2][4]</c>, <c>[1-3]</c>, <c>[Source 2]</c>, and the full-width <c>【1】</c> some instruct models
/// write. Text after an unclosed '[' is held back until the
/// marker closes or turns out not to be one. A number naming no offered source is recorded as invalid and shown as
/// <c>?n</c> (<c>[7]</c> becomes <c>[?7]</c>), so it can never pass for a real citation.
/// </summary>
internal sealed partial class CitationStreamParser(IReadOnlySet<int> offeredNumbers)
{
    // Longer bracketed text is prose, not a marker; holding it back any longer would stall the stream.
    private const int MaxMarkerLength = 48;

    // A range wider than this is not expanded ("[1-1000]"); its two ends are checked instead.
    private const int MaxRangeSpan = 20;

    private readonly StringBuilder _pending = new();
    private readonly List<int> _cited = [];
    private readonly List<int> _invalid = [];

    /// <summary>Offered source numbers cited, in order of first appearance.</summary>
    public IReadOnlyList<int> Cited => _cited;

    /// <summary>Numbers in markers that name no offered source, in order of first appearance.</summary>
    public IReadOnlyList<int> Invalid => _invalid;

    /// <summary>Number of citation references seen (valid and invalid, repeats included).</summary>
    public int ValidReferences { get; private set; }

    /// <summary>Number of references to sources that were not offered (repeats included).</summary>
    public int InvalidReferences { get; private set; }

    /// <summary>Feeds the next piece of model output; returns the text that can be shown now.</summary>
    public string Push(string chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var output = new StringBuilder(chunk.Length);
        foreach (var c in chunk)
        {
            if (_pending.Length == 0)
            {
                if (c is '[' or '【')
                {
                    _pending.Append(c);
                }
                else
                {
                    output.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case ']' or '】':
                    _pending.Append(c);
                    output.Append(Resolve(_pending.ToString()));
                    _pending.Clear();
                    break;
                case '[' or '【':
                    output.Append(_pending);
                    _pending.Clear().Append(c);
                    break;
                case '\n' or '\r':
                    output.Append(_pending).Append(c);
                    _pending.Clear();
                    break;
                default:
                    _pending.Append(c);
                    if (_pending.Length > MaxMarkerLength)
                    {
                        output.Append(_pending);
                        _pending.Clear();
                    }

                    break;
            }
        }

        return output.ToString();
    }

    /// <summary>
    /// Rewrites the reference markers a source's own text carries ("prior work [2]", "[7]", "[1, 3]") as
    /// "(ref. 2)", so that neither the model reading the prompt nor this parser reading an answer or a quote can take
    /// them for the numbered sources. Brackets that are not markers ("[2024]", "[CLS]") are left alone.
    /// </summary>
    public static string NeutralizeSourceMarkers(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.AsSpan().IndexOfAny('[', '【') < 0
            ? text
            : BracketPattern().Replace(text, m => MarkerPattern().IsMatch(m.Groups["inner"].Value)
                ? $"(ref. {m.Groups["inner"].Value.Trim()})"
                : m.Value);
    }

    /// <summary>Ends the stream; returns any held-back text (an unclosed '[' is plain text).</summary>
    public string Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    /// <summary>
    /// The source numbers a bracketed citation marker names (<c>[1]</c>, <c>[1, 3]</c>, <c>[1-3]</c>, <c>[Source 2]</c>,
    /// <c>【1】</c>), in the order written; false when the bracketed text is not a marker ("[2024]", "[CLS]").
    /// </summary>
    public static bool TryParseMarker(string marker, out List<int> numbers)
    {
        numbers = [];
        var inner = marker[1..^1];
        if (!MarkerPattern().IsMatch(inner))
        {
            return false;
        }

        foreach (Match item in ItemPattern().Matches(inner))
        {
            var first = int.Parse(item.Groups["first"].Value, CultureInfo.InvariantCulture);
            if (!item.Groups["last"].Success)
            {
                numbers.Add(first);
                continue;
            }

            var last = int.Parse(item.Groups["last"].Value, CultureInfo.InvariantCulture);
            if (last >= first && last - first <= MaxRangeSpan)
            {
                numbers.AddRange(Enumerable.Range(first, last - first + 1));
            }
            else
            {
                numbers.Add(first);
                numbers.Add(last);
            }
        }

        return true;
    }

    /// <summary>Bracketed spans that may be citation markers, at most <see cref="MaxMarkerLength"/> characters inside, on one line.</summary>
    public static MatchCollection FindBrackets(string text) => BracketPattern().Matches(text);

    private string Resolve(string marker)
    {
        if (!TryParseMarker(marker, out var numbers))
        {
            return marker;
        }

        var allValid = true;
        foreach (var number in numbers)
        {
            if (offeredNumbers.Contains(number))
            {
                ValidReferences++;
                AddOnce(_cited, number);
            }
            else
            {
                InvalidReferences++;
                AddOnce(_invalid, number);
                allValid = false;
            }
        }

        // Valid markers are shown as the model wrote them; any invalid number rewrites the marker with the flag.
        return allValid
            ? marker
            : "[" + string.Join(", ", numbers.Select(n => offeredNumbers.Contains(n) ? n.ToString(CultureInfo.InvariantCulture) : "?" + n.ToString(CultureInfo.InvariantCulture))) + "]";
    }

    private static void AddOnce(List<int> list, int number)
    {
        if (!list.Contains(number))
        {
            list.Add(number);
        }
    }

    // One to three digits per number: "[2024]" is a year, not a citation.
    [GeneratedRegex(@"^\s*(?:(?:sources?|refs?|ref\.)\s*)?\d{1,3}(?:\s*[-–]\s*\d{1,3})?(?:\s*[,;]\s*(?:(?:sources?|refs?|ref\.)\s*)?\d{1,3}(?:\s*[-–]\s*\d{1,3})?)*\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"[\[【](?<inner>[^\[\]【】\r\n]{1,48})[\]】]")]
    private static partial Regex BracketPattern();

    [GeneratedRegex(@"(?<first>\d{1,3})(?:\s*[-–]\s*(?<last>\d{1,3}))?")]
    private static partial Regex ItemPattern();
}
