using System.Text.RegularExpressions;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The content words of a text as crude stems: lower case, words of three or more letters or digits, function words
/// dropped, each cut to its first five letters so "training" meets "trains" and "models" meets "model". Used to pick
/// the quoted sentences of retrieval-only answers and as the lexical half of the evidence check.
/// </summary>
internal static partial class ContentWords
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "was", "were", "what", "which", "how", "does", "did", "with", "that", "this", "from",
        "its", "their", "they", "them", "into", "about", "can", "when", "why", "who", "whom", "has", "have", "had",
        "been", "being", "than", "then", "there", "these", "those", "such", "also", "both", "each", "between", "paper",
        "papers", "according", "use", "used", "using", "two", "one", "any", "all", "not", "but", "our", "you", "your",
    };

    /// <summary>The distinct stems of <paramref name="text"/>'s content words.</summary>
    public static HashSet<string> Terms(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match word in WordPattern().Matches(text.ToLowerInvariant()))
        {
            if (word.Length >= 3 && !StopWords.Contains(word.Value))
            {
                terms.Add(Stem(word.Value));
            }
        }

        return terms;
    }

    private static string Stem(string word) => word.Length > 5 ? word[..5] : word.TrimEnd('s');

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}
