using System.Globalization;
using System.Text;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The retrieval-only answer: from each of the top papers, the sentences sharing most words with the question, in
/// their original order, each line cited with the paper's source number and the whole answer labelled as extracted.
/// </summary>
internal static class ExtractiveAnswerer
{
    /// <summary>The first line of every retrieval-only answer.</summary>
    public const string Label = "Extracted from the papers (retrieval-only mode: no chat model, these are quotes, not a generated answer):";

    /// <summary>The answer text and the sources it quotes (each line cites its own), in order.</summary>
    public static ExtractedAnswer Compose(string question, IReadOnlyList<AnswerSource> sources, int sentencesPerPaper)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var terms = ContentWords.Terms(question);
        var answer = new StringBuilder(Label);
        var quoted = new List<AnswerSource>();
        var quotes = new List<SourceQuote>();
        foreach (var source in sources)
        {
            var sentences = SourceSentences.Split(source.Text);
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
                .Select(s => s.sentence)
                .ToList();
            answer.Append('\n')
                .Append(CultureInfo.InvariantCulture, $"- {string.Join(' ', chosen)} [{source.Number}]");
            quoted.Add(source);
            quotes.AddRange(chosen.Select(sentence => new SourceQuote(source.Number, sentence)));
        }

        return new ExtractedAnswer(answer.ToString(), quoted, quotes);
    }

    // Shared distinct terms, lightly favouring shorter sentences so a long sentence does not win by size alone.
    private static double Overlap(HashSet<string> questionTerms, string sentence)
    {
        var sentenceTerms = ContentWords.Terms(sentence);
        if (sentenceTerms.Count == 0)
        {
            return 0;
        }

        var shared = sentenceTerms.Count(questionTerms.Contains);
        return shared / Math.Sqrt(sentenceTerms.Count);
    }
}

/// <summary>A retrieval-only answer: its text, the sources it quotes (each cited by its number) and every quoted sentence.</summary>
internal sealed record ExtractedAnswer(string Text, IReadOnlyList<AnswerSource> Sources, IReadOnlyList<SourceQuote> Quotes);

/// <summary>One sentence quoted verbatim from source <paramref name="Number"/>.</summary>
internal sealed record SourceQuote(int Number, string Sentence);
