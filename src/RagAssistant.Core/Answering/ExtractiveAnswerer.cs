using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The retrieval-only answer: from each of the top papers, the sentences sharing most words with the question, in
/// their original order, each line cited with the paper's source number and the whole answer labelled as extracted.
/// </summary>
internal static partial class ExtractiveAnswerer
{
    /// <summary>The first line of every retrieval-only answer.</summary>
    public const string Label = "Extracted from the papers (retrieval-only mode: no chat model, these are quotes, not a generated answer):";

    /// <summary>
    /// Whether <paramref name="question"/> asks which papers ("Which papers use GPT-2?", "List the papers on RLHF", "Are
    /// there any studies of ..."): its answer is a list, so every on-topic source is quoted, one sentence each.
    /// </summary>
    /// <param name="question">The question as the user wrote it.</param>
    /// <returns>True when an asking word is followed, within three words, by papers, studies, works or articles.</returns>
    public static bool AsksForPapers(string question) => PaperList().IsMatch(question);

    /// <summary>The sentences <see cref="Compose"/> chooses from, per source, in order.</summary>
    public static IReadOnlyList<string> Sentences(AnswerSource source) => SourceSentences.Split(source.Text);

    /// <summary>The answer text and the sources it quotes (each line cites its own), in order.</summary>
    /// <param name="question">The question (or search query) whose words score a sentence without <paramref name="similarity"/>.</param>
    /// <param name="sources">The sources quoted, in order.</param>
    /// <param name="sentencesPerPaper">Sentences chosen per source (a sentence that cannot stand alone brings the one before it too).</param>
    /// <param name="similarity">How well each sentence answers the question (cosine of question and sentence embeddings), or null to score by shared words.</param>
    public static ExtractedAnswer Compose(string question, IReadOnlyList<AnswerSource> sources, int sentencesPerPaper, IReadOnlyDictionary<string, double>? similarity = null)
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

            var best = sentences
                .Select((sentence, index) => (sentence, index, score: similarity?.GetValueOrDefault(sentence) ?? Overlap(terms, sentence)))
                .OrderByDescending(s => s.score)
                .ThenBy(s => s.index)
                .Take(sentencesPerPaper)
                .Select(s => s.index);
            var chosen = WithAntecedents(sentences, best).ToList();
            answer.Append('\n')
                .Append(CultureInfo.InvariantCulture, $"- {Join(sentences, chosen)} [{source.Number}]");
            quoted.Add(source);
            quotes.AddRange(chosen.Select(i => new SourceQuote(source.Number, sentences[i])));
        }

        return new ExtractedAnswer(answer.ToString(), quoted, quotes);
    }

    /// <summary>
    /// The sentences at <paramref name="positions"/> (ascending) as one quote: adjacent ones joined by a space, and
    /// " … " where the source has sentences between them, so the quote never reads as one passage when it is not.
    /// </summary>
    internal static string Join(IReadOnlyList<string> sentences, IReadOnlyList<int> positions)
    {
        var quote = new StringBuilder();
        for (var k = 0; k < positions.Count; k++)
        {
            if (k > 0)
            {
                quote.Append(positions[k] == positions[k - 1] + 1 ? " " : " … ");
            }

            quote.Append(sentences[positions[k]]);
        }

        return quote.ToString();
    }

    /// <summary>
    /// The chosen sentence positions, in order, each one that opens by pointing back ("However, their ...", "This
    /// ...", "They ...") preceded by the sentence it points to, so every quote can be read on its own.
    /// </summary>
    internal static IEnumerable<int> WithAntecedents(IReadOnlyList<string> sentences, IEnumerable<int> chosen)
    {
        var taken = new SortedSet<int>();
        foreach (var index in chosen)
        {
            var i = index;
            taken.Add(i);
            while (i > 0 && LeansOnPrevious(sentences[i]) && taken.Add(i - 1))
            {
                i--;
            }
        }

        return taken;
    }

    /// <summary>
    /// True when the sentence cannot stand alone: it opens with a connective, an enumeration step ("Firstly,",
    /// "Next,"), a pronoun whose referent is in the sentence before, or an opening phrase that points back ("To
    /// address this challenge,", "In light of these limitations,"; "In this paper," names the paper). A hyphenated compound ("Next-token
    /// prediction ...") is a noun, not a connective.
    /// </summary>
    internal static bool LeansOnPrevious(string sentence) => DanglingOpening().IsMatch(sentence);

    [GeneratedRegex(@"^\W*(however|but|yet|nevertheless|nonetheless|moreover|furthermore|additionally|in addition|thus|therefore|hence|consequently|as a result|instead|also|this|these|that|those|such|it|its|they|their|them|he|she|his|her|the latter|the former|here|specifically|similarly|likewise|in contrast|on the other hand|first|firstly|second|secondly|third|thirdly|fourth|fourthly|next|lastly|finally|then|meanwhile|besides|accordingly|subsequently|conversely|otherwise|to this end|for example|for instance|in particular)\b(?!-)|^\W*(?:[\w-]+ ){0,4}(?:this|these|those|such)\b(?! (?:paper|work|study|article|survey|report)\b)[^,.;:]{0,40},", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DanglingOpening();

    [GeneratedRegex(@"^\W*(?:which|what|list|name|find|show(?: me)?|are there|is there|any)\b(?:\s+[\w-]+){0,3}?\s+(?:papers|studies|works|articles|publications|abstracts)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PaperList();

    // Shared distinct terms, lightly favouring shorter sentences so a long sentence does not win by size alone.
    internal static double Overlap(HashSet<string> questionTerms, string sentence)
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
