using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using RagAssistant.Core.Corpus;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The retrieval-only answer: from each of the top papers, the sentences sharing most words with the question, in
/// their original order, each line cited with the paper's source number and the whole answer labelled as extracted.
/// </summary>
internal static partial class ExtractiveAnswerer
{
    /// <summary>The first line of every retrieval-only answer.</summary>
    public const string Label = "Extracted from the papers (retrieval-only mode: no chat model, these are quotes, not a generated answer):";

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "was", "were", "what", "which", "how", "does", "did", "with", "that", "this", "from",
        "its", "their", "they", "them", "into", "about", "can", "when", "why", "who", "whom", "has", "have", "had",
        "been", "being", "than", "then", "there", "these", "those", "such", "also", "both", "each", "between", "paper",
        "papers", "according", "use", "used", "using", "two", "one", "any", "all", "not", "but", "our", "you", "your",
    };

    /// <summary>The answer text and the sources it quotes (each line cites its own), in order.</summary>
    public static ExtractedAnswer Compose(string question, IReadOnlyList<AnswerSource> sources, int sentencesPerPaper)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var terms = Terms(question);
        var answer = new StringBuilder(Label);
        var quoted = new List<AnswerSource>();
        foreach (var source in sources)
        {
            var sentences = SentenceSplitter.Split(source.Text);
            if (sentences.Count == 0)
            {
                continue;
            }

            var chosen = sentences
                .Select((sentence, index) => (sentence, index, score: Overlap(terms, sentence)))
                .OrderByDescending(s => s.score)
                .ThenBy(s => s.index)
                .Take(sentencesPerPaper)
                .OrderBy(s => s.index)
                .Select(s => s.sentence);
            answer.Append('\n')
                .Append(CultureInfo.InvariantCulture, $"- {string.Join(' ', chosen)} [{source.Number}]");
            quoted.Add(source);
        }

        return new ExtractedAnswer(answer.ToString(), quoted);
    }

    private static HashSet<string> Terms(string text)
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

    // Shared distinct terms, lightly favouring shorter sentences so a long sentence does not win by size alone.
    private static double Overlap(HashSet<string> questionTerms, string sentence)
    {
        var sentenceTerms = Terms(sentence);
        if (sentenceTerms.Count == 0)
        {
            return 0;
        }

        var shared = sentenceTerms.Count(questionTerms.Contains);
        return shared / Math.Sqrt(sentenceTerms.Count);
    }

    // A crude stem (first five letters) so "training" meets "trains" and "models" meets "model".
    private static string Stem(string word) => word.Length > 5 ? word[..5] : word.TrimEnd('s');

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}

/// <summary>A retrieval-only answer: its text and the sources it quotes, each cited by its number.</summary>
internal sealed record ExtractedAnswer(string Text, IReadOnlyList<AnswerSource> Sources);
