using System.Text.RegularExpressions;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Recognises the fixed refusal phrase the system prompt asks for, whatever the case, punctuation, white space or
/// citation markers around it. A long answer that merely starts with the phrase and then answers anyway is not a refusal.
/// </summary>
internal static partial class RefusalDetector
{
    public static bool IsRefusal(string answer, string refusalPhrase)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(refusalPhrase);
        var phrase = Normalize(refusalPhrase);
        if (phrase.Length == 0)
        {
            return false;
        }

        var text = Normalize(MarkerPattern().Replace(answer, " "));
        if (text == phrase)
        {
            return true;
        }

        // Tolerates a short lead-in or tail ("I'm sorry. <phrase>"), not a full answer around the phrase.
        return text.Contains(phrase, StringComparison.Ordinal) && text.Length <= phrase.Length * 3 / 2;
    }

    // The same normalisation as titles: lower case, every run of non-alphanumerics as one space.
    internal static string Normalize(string text) => PaperIdentity.NormalizeTitle(text);

    [GeneratedRegex(@"\[[^\]\n]{0,48}\]")]
    private static partial Regex MarkerPattern();
}
