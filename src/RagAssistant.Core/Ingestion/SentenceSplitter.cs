using System.Text.RegularExpressions;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Splits text into sentences (for passages, packing and extractive answers): at '.', '!' or '?' followed by white space and a capital, digit or opening
/// bracket, except after common abbreviations ("e.g.", "et al.", "Fig.", also after an opening bracket) that abstracts use
/// mid-sentence, and after "ref." of a neutralised source reference marker ("(ref. 2)").
/// </summary>
internal static partial class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "e.g.", "i.e.", "al.", "ref.", "etc.", "vs.", "fig.", "figs.", "eq.", "eqs.", "sec.", "no.", "approx.", "cf.", "resp.", "dr.", "mr.", "ms.",
    };

    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sentences = new List<string>();
        var start = 0;
        foreach (var match in BoundaryPattern().EnumerateMatches(text))
        {
            var end = match.Index + 1;
            if (EndsWithAbbreviation(text.AsSpan(start, end - start)))
            {
                continue;
            }

            AddTrimmed(sentences, text[start..end]);
            start = match.Index + match.Length;
        }

        AddTrimmed(sentences, text[start..]);
        return sentences;
    }

    private static bool EndsWithAbbreviation(ReadOnlySpan<char> sentence)
    {
        var lastSpace = sentence.LastIndexOfAny(' ', '\n', '\t');
        // "(e.g." and "(ref." (the form source reference markers are rewritten to) are abbreviations too.
        var lastWord = sentence[(lastSpace + 1)..].TrimStart("([{\"'");
        return Abbreviations.Contains(lastWord.ToString()) || (lastWord.Length == 2 && char.IsUpper(lastWord[0]));
    }

    private static void AddTrimmed(List<string> sentences, string sentence)
    {
        var trimmed = sentence.Trim();
        if (trimmed.Length > 0)
        {
            sentences.Add(trimmed);
        }
    }

    // The boundary is the punctuation mark plus the white space after it; the lookahead keeps the next sentence's start.
    [GeneratedRegex(@"[.!?]\s+(?=[\p{Lu}\p{N}(\[""'])")]
    private static partial Regex BoundaryPattern();
}
