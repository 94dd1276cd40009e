using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Evidence;

/// <summary>
/// The sentences of a source's text as the evidence check quotes them: the text is split at
/// <see cref="PassageSeparator"/> (the join of a long paper's passages) and each part into sentences, repeats dropped
/// (overlapping passages share sentences). Every sentence is a verbatim substring of the text.
/// </summary>
public static class SourceSentences
{
    /// <summary>What joins the passages of one paper in a source's text.</summary>
    public const string PassageSeparator = " … ";

    /// <summary>The sentences of <paramref name="sourceText"/>, in order, each once.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="sourceText"/> is null.</exception>
    public static IReadOnlyList<string> Split(string sourceText)
    {
        ArgumentNullException.ThrowIfNull(sourceText);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sentences = new List<string>();
        foreach (var part in sourceText.Split(PassageSeparator))
        {
            foreach (var sentence in SentenceSplitter.Split(part))
            {
                if (seen.Add(sentence))
                {
                    sentences.Add(sentence);
                }
            }
        }

        return sentences;
    }
}
