using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace RagAssistant.Core.Retrieval;

/// <summary>A document of the full-text index: a passage and the title of its paper.</summary>
public sealed record Bm25Document(string Title, string Text);

/// <summary>A full-text hit: the document's position in the indexed list and its BM25 score.</summary>
public readonly record struct Bm25Hit(int Ordinal, double Score);

/// <summary>
/// In-memory BM25 over title and text with Lucene.Net. Queries are analysed into terms and searched as a
/// disjunction over both fields (title boosted), so user punctuation never meets the query-parser syntax.
/// Also scores a document's relevance to a query (<see cref="Relevance(IReadOnlyCollection{string}, int)"/>): a
/// [0, 1] value from IDF weights and BM25 term-frequency saturation that does not grow with query length, used to
/// decide that nothing relevant was found.
/// </summary>
public sealed partial class Bm25Index : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string OrdinalField = "ord";
    private const string TitleField = "title";
    private const string TextField = "text";

    // Greetings and thanks: a line of these and function words only is chat, not a question about anything, and never
    // a follow-up on the conversation's topic ("thanks!" after "What is LoRA?" quoted LoRA papers).
    private static readonly string[] ChatWords = ["thank", "thanks", "hello", "hi", "hey", "bye", "goodbye", "cheers"];

    // Words that address the assistant: a line of these and function words only ("How are you?", "Who are you?", "What
    // can you do?") asks about the assistant, not the papers, unless it points back ("Can you explain it?").
    private static readonly string[] AddressWords = ["you", "your", "yours", "yourself"];

    // Acknowledgements: a line of these ("ok", "great, thanks", "yes") is chat too, though some are words the papers use
    // ("great interest" was quoted for "great, thanks"). Not question words: in a question they may carry its topic.
    private static readonly string[] Acknowledgements =
    [
        "ok", "okay", "cool", "great", "nice", "good", "awesome", "perfect", "excellent", "fine", "yes", "yeah", "yep",
        "no", "nope", "sure", "alright", "wow", "hmm", "interesting", "lol",
    ];

    private static readonly FrozenSet<string> ChatOpeners = ChatWords.Concat(Acknowledgements).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    private static readonly FrozenSet<string> AddressWordSet = AddressWords.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // Lucene's English stop words plus the function words of questions ("how does", "what can we") and of chat
    // ("thanks", "hello", "how are you today?"): they carry no topic, yet would count towards both the BM25 score and
    // the query coverage ("thanks!" matched an abstract's "thanks to the resurgence of ...", "today" its "today's LLMs").
    private static readonly string[] QuestionWords =
    [
        "how", "what", "which", "why", "when", "where", "who", "whom", "whose", "do", "does", "did", "can", "could",
        "would", "should", "may", "might", "must", "we", "our", "us", "i", "me", "my", "its", "has",
        "have", "had", "been", "being", "were", "than", "so", "them", "those", "any", "some", "about", "also", "just",
        "very", "there", "here", "from", "other", "each", "tell", "explain", "describe", "please", "now", "today",
        "tonight", "tomorrow", "yesterday", .. ChatWords, .. AddressWords,
    ];

    private static readonly CharArraySet QuestionStopWords = new(Version, EnglishAnalyzer.DefaultStopSet.Concat(QuestionWords).ToList(), ignoreCase: true);

    private readonly Bm25Options _options;
    private readonly Analyzer _analyzer;
    private readonly CharArraySet _stopWords;
    private readonly RAMDirectory _directory = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly int[] _ordinalOfDoc;
    private readonly Dictionary<string, int>[] _termFrequencies;
    private readonly int[] _lengths;
    private readonly double _averageLength;
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _collectionFrequency = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _writtenAsName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _versionedNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _questionWordTerms;
    private readonly HashSet<string> _acknowledgementTerms;
    private CompoundRespelling? _lastRespelling;

    /// <summary>Indexes <paramref name="documents"/>; hits refer to them by position.</summary>
    /// <param name="documents">The documents (title and text), in the order hits refer to.</param>
    /// <param name="options">Stemming, stop words, title boost, k1 and b, relevance weighting, feedback.</param>
    /// <exception cref="ArgumentNullException"><paramref name="documents"/> or <paramref name="options"/> is null.</exception>
    public Bm25Index(IReadOnlyList<Bm25Document> documents, Bm25Options options)
    {
        ArgumentNullException.ThrowIfNull(documents);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var stopWords = options.QuestionStopWords ? QuestionStopWords : options.Stemming ? EnglishAnalyzer.DefaultStopSet : CharArraySet.Empty;
        _stopWords = stopWords;
        _analyzer = new Bm25Analyzer(Version, stopWords, options.Stemming);
        var similarity = new BM25Similarity(options.K1, options.B);
        _questionWordTerms = new HashSet<string>(Analyze(string.Join(' ', QuestionWords)), StringComparer.Ordinal);
        _acknowledgementTerms = new HashSet<string>(Analyze(string.Join(' ', Acknowledgements)), StringComparer.Ordinal);

        _termFrequencies = new Dictionary<string, int>[documents.Count];
        _lengths = new int[documents.Count];
        using (var writer = new IndexWriter(_directory, new IndexWriterConfig(Version, _analyzer) { Similarity = similarity }))
        {
            for (var i = 0; i < documents.Count; i++)
            {
                var document = documents[i];
                writer.AddDocument(new Document
                {
                    new StoredField(OrdinalField, i),
                    new TextField(TitleField, document.Title, Field.Store.NO),
                    new TextField(TextField, document.Text, Field.Store.NO),
                });

                var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var term in Analyze(document.Title + "\n" + document.Text))
                {
                    frequencies[term] = frequencies.GetValueOrDefault(term) + 1;
                }

                _termFrequencies[i] = frequencies;
                _lengths[i] = frequencies.Values.Sum();
                foreach (var (term, frequency) in frequencies)
                {
                    _documentFrequency[term] = _documentFrequency.GetValueOrDefault(term) + 1;
                    _collectionFrequency[term] = _collectionFrequency.GetValueOrDefault(term) + frequency;
                }

                CountWrittenAsNames(document.Title + "\n" + document.Text);
            }

            writer.Commit();
        }

        // The names the corpus gives versions ("gpt" of "gpt2", "llama" of "llama3"), once: HasVersionsOf reads them per question.
        foreach (var term in _documentFrequency.Keys)
        {
            if (term.AsSpan().IndexOfAnyInRange('0', '9') is > 0 and var digit)
            {
                _versionedNames.Add(term[..digit]);
            }
        }

        _averageLength = documents.Count == 0 ? 0 : _lengths.Average();
        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = similarity };

        // Lucene doc ids may be re-ordered by merges; map them back to positions once.
        _ordinalOfDoc = new int[_reader.MaxDoc];
        for (var doc = 0; doc < _reader.MaxDoc; doc++)
        {
            _ordinalOfDoc[doc] = _reader.Document(doc).GetField(OrdinalField).GetInt32Value() ?? doc;
        }
    }

    /// <summary>The last text <see cref="CompoundWords.Respell"/> read against this index, and its respelling (a search reads its question several times).</summary>
    internal CompoundRespelling? LastRespelling
    {
        get => Volatile.Read(ref _lastRespelling);
        set => Volatile.Write(ref _lastRespelling, value);
    }

    /// <summary>Number of indexed documents.</summary>
    public int Count => _termFrequencies.Length;

    /// <summary>The analysed terms of a text (lower-cased, stemmed and without stop words when stemming is on).</summary>
    /// <param name="text">Any text (a question, a passage).</param>
    /// <returns>The terms in text order, duplicates kept.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public IReadOnlyList<string> Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var terms = new List<string>();
        using var stream = _analyzer.GetTokenStream(TextField, text);
        var attribute = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            terms.Add(attribute.ToString());
        }

        stream.End();
        return terms;
    }

    /// <summary>The best <paramref name="count"/> documents for <paramref name="query"/>, best first.</summary>
    /// <param name="query">The query text; analysed like the documents, at most <see cref="MaxQueryTerms"/> terms kept.</param>
    /// <param name="count">Most hits; 0 or less gives none.</param>
    /// <returns>(document position, BM25 score) pairs, best first; empty when no term matches.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    public IReadOnlyList<Bm25Hit> Search(string query, int count)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Search(Analyze(query), [], 0, count);
    }

    /// <summary>
    /// The best <paramref name="count"/> documents for analysed <paramref name="queryTerms"/>, with the
    /// <paramref name="contextTerms"/> the query lacks added at <paramref name="contextWeight"/> (a follow-up's
    /// earlier question: its topic counts, the new question counts more).
    /// </summary>
    /// <param name="queryTerms">The query's analysed terms (see <see cref="Analyze"/>).</param>
    /// <param name="contextTerms">The context's analysed terms, or empty; at most <see cref="MaxQueryTerms"/> terms in all are searched, the query's first.</param>
    /// <param name="contextWeight">The boost of a context term relative to a query term's 1; 0 ignores the context.</param>
    /// <param name="count">Most hits; 0 or less gives none.</param>
    /// <returns>(document position, BM25 score) pairs, best first; empty when no term matches.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="queryTerms"/> or <paramref name="contextTerms"/> is null.</exception>
    public IReadOnlyList<Bm25Hit> Search(IReadOnlyList<string> queryTerms, IReadOnlyList<string> contextTerms, float contextWeight, int count)
    {
        ArgumentNullException.ThrowIfNull(queryTerms);
        ArgumentNullException.ThrowIfNull(contextTerms);
        var terms = QueryTerms(queryTerms);
        var weights = terms.ToDictionary(t => t, _ => 1f, StringComparer.Ordinal);
        if (contextWeight > 0)
        {
            foreach (var term in QueryTerms(contextTerms).Where(t => !weights.ContainsKey(t)).Take(MaxQueryTerms - terms.Count))
            {
                weights[term] = contextWeight;
            }
        }

        if (weights.Count == 0 || Count == 0 || count <= 0)
        {
            return [];
        }

        var hits = Run(weights, count);
        if (_options.FeedbackDocuments > 0 && _options.FeedbackTerms > 0 && hits.Count > 0)
        {
            foreach (var (term, weight) in FeedbackTerms(hits, weights))
            {
                weights[term] = weight;
            }

            hits = Run(weights, count);
        }

        return hits;
    }

    /// <summary>
    /// Most distinct terms one search sends to Lucene: each term costs a clause per field searched, pseudo-relevance
    /// feedback adds its own, and the query must stay within Lucene's <see cref="BooleanQuery.MaxClauseCount"/>.
    /// </summary>
    public int MaxQueryTerms
    {
        get
        {
            var clausesPerTerm = _options.TitleBoost > 0 ? 2 : 1;
            var feedback = _options.FeedbackDocuments > 0 ? _options.FeedbackTerms : 0;
            return Math.Max(1, (BooleanQuery.MaxClauseCount / clausesPerTerm) - feedback);
        }
    }

    /// <summary>
    /// How relevant document <paramref name="ordinal"/> is to the query, in [0, 1]: each distinct query term weighs its
    /// IDF (or IDF², see <see cref="RelevanceWeighting"/>); a term the document contains earns half its weight for
    /// being there and up to the other half by its BM25 term-frequency saturation,
    /// tf·(k1 + 1) / (tf + k1·(1 − b + b·length/average length)) over its limit k1 + 1; the result is the earned share
    /// of the query's weight. Terms the corpus never uses weigh the most, so a question about an absent topic scores
    /// low; the value does not grow with the query's length; and hits that match the same terms still differ by how
    /// often, in how long a text, they use them (a plain coverage share gave every such hit the same value).
    /// </summary>
    /// <param name="queryTerms">The query's analysed terms (see <see cref="Analyze"/>).</param>
    /// <param name="ordinal">The document's position.</param>
    /// <returns>The earned share of the query's weight, in [0, 1]; 0 for an empty query.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="queryTerms"/> is null.</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="ordinal"/> is not a document position.</exception>
    public double Relevance(IReadOnlyCollection<string> queryTerms, int ordinal) => Relevance(queryTerms, [], 0, ordinal);

    /// <summary>
    /// <see cref="Relevance(IReadOnlyCollection{string}, int)"/> of a query with a context: the context's terms that
    /// the query lacks count at <paramref name="contextWeight"/> times their usual weight, as in the search.
    /// </summary>
    /// <param name="queryTerms">The query's analysed terms.</param>
    /// <param name="contextTerms">The context's analysed terms (a follow-up's earlier question), or empty.</param>
    /// <param name="contextWeight">The weight of a context term relative to a query term; 0 ignores the context.</param>
    /// <param name="ordinal">The document's position.</param>
    /// <returns>The earned share of the weighted query, in [0, 1]; 0 for an empty query and context.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="queryTerms"/> or <paramref name="contextTerms"/> is null.</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="ordinal"/> is not a document position.</exception>
    public double Relevance(IReadOnlyCollection<string> queryTerms, IReadOnlyCollection<string> contextTerms, double contextWeight, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(queryTerms);
        ArgumentNullException.ThrowIfNull(contextTerms);
        var query = queryTerms.Distinct(StringComparer.Ordinal).Select(t => (Term: t, Boost: 1.0)).ToList();
        if (contextWeight > 0)
        {
            var own = query.Select(q => q.Term).ToHashSet(StringComparer.Ordinal);
            query.AddRange(contextTerms.Distinct(StringComparer.Ordinal).Where(t => !own.Contains(t)).Select(t => (t, contextWeight)));
        }

        double total = 0, earned = 0;
        var frequencies = _termFrequencies[ordinal];
        var lengthNorm = _averageLength > 0 ? 1 - _options.B + (_options.B * _lengths[ordinal] / _averageLength) : 1;
        foreach (var (term, boost) in query)
        {
            var idf = Idf(term);
            var weight = boost * (_options.RelevanceWeighting == RelevanceWeighting.IdfSquared ? idf * idf : idf);
            total += weight;
            if (frequencies.TryGetValue(term, out var tf))
            {
                var saturation = tf / (tf + (_options.K1 * lengthNorm));
                earned += weight * (0.5 + (0.5 * saturation));
            }
        }

        return total == 0 ? 0 : earned / total;
    }

    /// <summary>Whether document <paramref name="ordinal"/> contains every one of the analysed <paramref name="terms"/>.</summary>
    /// <param name="terms">Analysed terms (see <see cref="Analyze"/>).</param>
    /// <param name="ordinal">The document's position.</param>
    /// <returns>True when each term occurs in the document (title included); false for an empty list.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="terms"/> is null.</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="ordinal"/> is not a document position.</exception>
    public bool ContainsAll(IReadOnlyCollection<string> terms, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var frequencies = _termFrequencies[ordinal];
        return terms.Count > 0 && terms.All(frequencies.ContainsKey);
    }

    /// <summary>Whether any title or passage holds the analysed <paramref name="terms"/> as a phrase, side by side in this order.</summary>
    /// <param name="terms">Analysed terms (see <see cref="Analyze"/>), two or more.</param>
    /// <returns>True when a document's title or text has the phrase; false for fewer than two terms.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="terms"/> is null.</exception>
    public bool ContainsPhrase(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count < 2 || terms.Any(t => !_documentFrequency.ContainsKey(t)))
        {
            return false;
        }

        var query = new BooleanQuery();
        foreach (var field in new[] { TitleField, TextField })
        {
            var phrase = new PhraseQuery();
            foreach (var term in terms)
            {
                phrase.Add(new Term(field, term));
            }

            query.Add(phrase, Occur.SHOULD);
        }

        return _searcher.Search(query, 1).TotalHits > 0;
    }

    /// <summary>
    /// The analysed terms of a query, its compound names spelled as the corpus spells them first
    /// (<see cref="CompoundWords.Respell"/>: "Hugging Face" searched as the corpus's "HuggingFace").
    /// </summary>
    /// <param name="query">A question or its context, as the user wrote it.</param>
    /// <returns>The terms in text order, duplicates kept.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    public IReadOnlyList<string> AnalyzeQuery(string query) => Analyze(CompoundWords.Respell(this, query).Text);

    // The occurrences of each term written as an acronym, in capitals only; the analyser lower-cases, so the words are
    // read as written first (with UnknownNames' word pattern) and only those in capitals are analysed. Mixed case is
    // left out: the papers' "CooK" would make a question's "cook" a name.
    private void CountWrittenAsNames(string text)
    {
        foreach (Match word in UnknownNames.Word().Matches(text))
        {
            if (word.Value.Count(char.IsUpper) >= 2 && !word.Value.Any(char.IsLower))
            {
                foreach (var term in Analyze(word.Value))
                {
                    _writtenAsName[term] = _writtenAsName.GetValueOrDefault(term) + 1;
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _reader.Dispose();
        _directory.Dispose();
        _analyzer.Dispose();
    }

    /// <summary>
    /// <paramref name="terms"/> without the function words of questions ("what", "about", "its", "does"): a follow-up
    /// like "what about its limitations?" is searched for "limitations", not for words any abstract may use.
    /// </summary>
    /// <param name="terms">Analysed terms (see <see cref="Analyze"/>).</param>
    /// <returns>The topic terms, in order; <paramref name="terms"/> itself when nothing else is left.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="terms"/> is null.</exception>
    public IReadOnlyList<string> TopicTerms(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var topic = terms.Where(t => !_questionWordTerms.Contains(t)).ToList();
        return topic.Count > 0 ? topic : terms;
    }

    /// <summary>
    /// <paramref name="text"/> without the words that name the documents themselves, "paper(s)" and "article(s)",
    /// which every document of the corpus is: what the token-level match reads. Such a word has no topic, yet is rare
    /// in abstracts, so it weighs much, and matches any abstract that says "paper" ("Which papers use GPT-2?" ranked
    /// first a scaling-law abstract saying "the original scaling law paper" and "GPT-4").
    /// </summary>
    /// <param name="text">A question.</param>
    /// <returns>The text with those words removed; <paramref name="text"/> itself when nothing else is left.</returns>
    public static string WithoutDocumentWords(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rest = DocumentWord().Replace(text, string.Empty);
        return Word().IsMatch(rest) ? rest : text;
    }

    /// <summary>
    /// Whether <paramref name="text"/> is chat: function words and acknowledgements only, no topic word, with a greeting,
    /// thanks or acknowledgement ("hi", "thanks!", "Hello, how are you today?", "ok", "great, thanks", "no"), or
    /// addressed to the assistant without pointing back ("How are you?", "Who are you?", "What can you do?"; not "Can
    /// you explain it?", which asks about the conversation's topic).
    /// </summary>
    /// <param name="text">A question as the user wrote it.</param>
    /// <returns>True when no word of it is a topic word and one is a greeting, thanks, acknowledgement, or "you" with nothing pointed back to.</returns>
    public bool IsChat(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Analyze(text).All(t => _questionWordTerms.Contains(t) || _acknowledgementTerms.Contains(t)))
        {
            return false;
        }

        // Read as written: "no" is a stop word the analyser drops.
        var words = UnknownNames.Word().Matches(text).Select(m => m.Value).ToList();
        return words.Any(ChatOpeners.Contains) || (words.Any(AddressWordSet.Contains) && !PointsBack(text));
    }

    /// <summary>
    /// Whether <paramref name="text"/> points back with a pronoun (it, its, they, them, their, this, these, those): its
    /// subject is what the conversation was about.
    /// </summary>
    /// <param name="text">A question as the user wrote it.</param>
    /// <returns>True when it holds one of those pronouns as a word, in any casing.</returns>
    public static bool PointsBack(string text) => ReferringPronoun().IsMatch(text);

    [GeneratedRegex(@"[\p{L}\p{N}]", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    [GeneratedRegex(@"\b(papers?|articles?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DocumentWord();

    [GeneratedRegex(@"\b(it|its|they|them|their|this|these|those)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReferringPronoun();

    /// <summary>Whether the analysed <paramref name="term"/> is a question's function word ("what", "how", "does"): no topic of its own.</summary>
    public bool IsQuestionWord(string term) => _questionWordTerms.Contains(term);

    /// <summary>
    /// The one term a versioned name is indexed as beside its parts (<see cref="VersionedNameFilter"/>): "gpt2" for
    /// "GPT" and "2", however they were written apart ("GPT-2", "GPT 2", "GPT2").
    /// </summary>
    /// <param name="name">A word of letters as written ("GPT", "Llama").</param>
    /// <param name="version">The token after it as written ("2", "3.5", "7B").</param>
    /// <returns>The analysed term; null when the two are not a versioned name ("top 5", "In 2023").</returns>
    public string? VersionedNameTerm(string name, string version) =>
        VersionedNameFilter.Joins(name, version, _stopWords) && Analyze(name + version) is [var term, ..] ? term : null;

    /// <summary>Whether some document names a version of <paramref name="name"/> ("gpt2" or "gpt4" for "GPT").</summary>
    /// <param name="name">A word of letters as written ("GPT", "Llama").</param>
    /// <returns>True when an indexed term is the name's letters followed by a digit.</returns>
    public bool HasVersionsOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // The name as the analyser spells it before a digit (lower-cased, accents folded, never stemmed: "gpt0").
        return Analyze(name + "0") is [var term, ..] && term.Length > 1 && _versionedNames.Contains(term[..^1]);
    }

    /// <summary>
    /// Whether the corpus writes the analysed <paramref name="term"/> as an acronym: at least half of its occurrences in
    /// capitals only, two or more ("RLHF", "DPO", "GPT-4"), so a question that writes it in lower case ("does rlhf reduce
    /// toxicity?") still names it. Words the papers write in lower case ("time", "today", "attention") are not, nor
    /// names in mixed case ("LoRA", "CooK"), which are ordinary words as often as not when typed in lower case.
    /// </summary>
    /// <param name="term">An analysed term (see <see cref="Analyze"/>).</param>
    /// <returns>True for a term the corpus writes as a name; false for any other, or one it does not hold.</returns>
    public bool IsWrittenAsName(string term) =>
        _writtenAsName.GetValueOrDefault(term) is > 0 and var named && named * 2 >= _collectionFrequency.GetValueOrDefault(term);

    /// <summary>Number of documents containing the analysed <paramref name="term"/>.</summary>
    public int DocumentFrequency(string term) => _documentFrequency.GetValueOrDefault(term);

    // The distinct terms worth searching: a term no document contains matches nothing (and BM25 ignores it), and
    // past MaxQueryTerms the rarest terms, which discriminate most, are kept. A 2,000-character question (every
    // CJK character is a term) would otherwise exceed Lucene's clause limit and throw TooManyClausesException.
    private List<string> QueryTerms(IReadOnlyList<string> analyzed)
    {
        var terms = analyzed.Distinct(StringComparer.Ordinal).Where(t => _documentFrequency.ContainsKey(t)).ToList();
        return terms.Count <= MaxQueryTerms
            ? terms
            : terms.Select((term, position) => (term, position))
                .OrderBy(t => _documentFrequency[t.term])
                .ThenBy(t => t.position)
                .Take(MaxQueryTerms)
                .OrderBy(t => t.position)
                .Select(t => t.term)
                .ToList();
    }

    private double Idf(string term)
    {
        var df = _documentFrequency.GetValueOrDefault(term);
        return Math.Log(1 + ((Count - df + 0.5) / (df + 0.5)));
    }

    private List<Bm25Hit> Run(Dictionary<string, float> weights, int count)
    {
        var query = new BooleanQuery();
        foreach (var (term, weight) in weights)
        {
            query.Add(new TermQuery(new Term(TextField, term)) { Boost = weight }, Occur.SHOULD);
            if (_options.TitleBoost > 0)
            {
                query.Add(new TermQuery(new Term(TitleField, term)) { Boost = weight * _options.TitleBoost }, Occur.SHOULD);
            }
        }

        var top = _searcher.Search(query, count);
        return top.ScoreDocs.Select(d => new Bm25Hit(_ordinalOfDoc[d.Doc], d.Score)).ToList();
    }

    // RM3-style expansion: the terms that weigh most (tf·idf) in the top documents, excluding the query's own.
    private IEnumerable<(string Term, float Weight)> FeedbackTerms(List<Bm25Hit> hits, Dictionary<string, float> queryWeights)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var hit in hits.Take(_options.FeedbackDocuments))
        {
            var frequencies = _termFrequencies[hit.Ordinal];
            var length = frequencies.Values.Sum();
            foreach (var (term, tf) in frequencies)
            {
                if (!queryWeights.ContainsKey(term) && !int.TryParse(term, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    scores[term] = scores.GetValueOrDefault(term) + ((double)tf / length * Idf(term));
                }
            }
        }

        return scores.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(_options.FeedbackTerms)
            .Select(p => (p.Key, _options.FeedbackWeight));
    }
}
