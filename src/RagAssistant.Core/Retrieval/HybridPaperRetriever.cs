using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Searches the <see cref="CorpusIndex"/> with BM25, dense vectors, or both fused by <see cref="RetrievalOptions.Fusion"/>.
/// Without an embedding model it runs BM25 whatever was asked, and says so in the result and the log.
/// <para>
/// <see cref="RetrievedPassage.RelevanceScore"/> is an absolute, query-length independent relevance in [0, 1]:
/// for BM25 <see cref="Bm25Index.Relevance(IReadOnlyCollection{string}, int)"/> (IDF weights, BM25 term-frequency
/// saturation); for dense and hybrid <see cref="RelevanceGate.Hybrid"/>: how far the passage's best sentence stands above
/// the corpus (<see cref="SentenceStanding"/>, once the index has embedded every sentence, on a stricter scale when the
/// search's best paper does not stand out from the tenth best, <see cref="RelevanceGate.SentenceScale"/>; the rescaled
/// cosine before),
/// or the BM25 relevance when the passage contains every topic term of the question and one of them is rare; the
/// semantic part is 0 when no candidate's cosine reaches <see cref="RetrievalOptions.OutOfDomainCosine"/>; 0 for every
/// hit when the question names something the corpus never uses (<see cref="RetrievalResult.UnknownNames"/>) or uses no
/// topic word any paper does. Rank-based fused scores cannot say "nothing relevant", this
/// can: callers refuse below a threshold (see the evaluation report for its distribution).
/// </para>
/// </summary>
public sealed partial class HybridPaperRetriever : IPaperRetriever
{
    /// <summary>The notice of results that fell back to BM25 for want of an embedding model.</summary>
    public const string Bm25OnlyNotice = "No embedding model is available: results come from BM25 (keyword) search only.";

    // A question with fewer topic terms than this is vague: it may follow up on the conversation's topic (FollowsUp,
    // SearchAsync), and leans on it the more (Weigh).
    private const int VagueQuestionTerms = 3;

    // A question of this many topic words or more names its own subject, so its pronouns refer inside it (PointsBack).
    private const int SelfContainedQuestionTerms = 8;

    // How far under Retrieval:OutOfDomainCosine a question holding every topic word in a hit may embed and still be on
    // the subject. On arctic-embed-xs's scale (floor 0.60), best passage cosines measured 2026-12-06: "What is
    // attention?" 0.58, "What is a transformer?" 0.63; chit-chat 0.48 to 0.53 ("What time is it?" 0.51, "Good
    // morning!" 0.51, "How are you?" 0.53).
    // Short questions naming what the papers name embed lower still ("Does RLHF reduce toxicity?" 0.54) and are
    // excused by the name instead.
    private const double TopicWordCosineMargin = 0.05;

    private readonly CorpusIndex _index;
    private readonly RetrievalOptions _options;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _secondEmbeddingGenerator;
    private readonly ILogger _logger;
    private readonly IReranker _reranker;
    private volatile SentenceSet? _sentenceSet;

    /// <summary>Creates the retriever over <paramref name="index"/>; it builds the index on first use if needed.</summary>
    /// <param name="index">The corpus index searched.</param>
    /// <param name="options">Default mode and top-k, fusion method and weights, candidate counts.</param>
    /// <param name="embeddingGenerator">Embeds queries for dense search; null = BM25 only.</param>
    /// <param name="logger">Receives fallbacks to BM25; null = no logging.</param>
    /// <param name="reranker">Orders the first stage's <see cref="RetrievalOptions.CandidateDepth"/> candidates before the top k is cut; null = <see cref="RankOrderReranker"/>.</param>
    /// <param name="secondEmbeddingGenerator">The second dense retriever's model, joining hybrid fusion once the index has its passage vectors; null = none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> or <paramref name="options"/> is null.</exception>
    public HybridPaperRetriever(
        CorpusIndex index,
        IOptions<RetrievalOptions> options,
        IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
        ILogger<HybridPaperRetriever>? logger = null,
        IReranker? reranker = null,
        IEmbeddingGenerator<string, Embedding<float>>? secondEmbeddingGenerator = null)
    {
        _reranker = reranker ?? new RankOrderReranker();
        ArgumentNullException.ThrowIfNull(options);
        _index = index ?? throw new ArgumentNullException(nameof(index));
        _options = options.Value;
        _embeddingGenerator = embeddingGenerator;
        _secondEmbeddingGenerator = secondEmbeddingGenerator;
        // A model server's failure is logged in its one line (ModelServerException), its trace at Debug.
        _logger = ReportedFailureLogDemotion.Of(logger ?? NullLogger<HybridPaperRetriever>.Instance);
    }

    /// <inheritdoc/>
    public Task<RetrievalResult> SearchAsync(string query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default) =>
        SearchAsync(new RetrievalQuery(query ?? throw new ArgumentNullException(nameof(query))), topK, kind, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// Control tokens (<c>&lt;/s&gt;</c>, <c>&lt;|im_end|&gt;</c>, ...) are removed from the question and the context
    /// first. For the ranking, a context adds its BM25 terms at <see cref="RetrievalOptions.ContextWeight"/> and its
    /// embedding to the question's at that weight. The <see cref="RetrievedPassage.RelevanceScore"/> weighs question
    /// and context alike: the gate asks whether the conversation's topic is covered, and a follow-up such as "what
    /// about its limitations?" has little topic of its own.
    /// </remarks>
    public async Task<RetrievalResult> SearchAsync(RetrievalQuery query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var text = ControlTokens.Remove(query.Text);
        var context = query.Context is { } earlier && _options.ContextWeight > 0 ? ControlTokens.Remove(earlier) : null;
        context = string.IsNullOrWhiteSpace(context) ? null : context;
        await _index.EnsureBuiltAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = _index.Snapshot!;
        context = context is null ? null : TopicQuestion(snapshot.Bm25, context);
        var followsUp = context is not null && FollowsUp(snapshot.Bm25, text, context);
        if (context is not null && !followsUp)
        {
            // The question on its own first: a new topic ("What is LoRA?" after two speculative decoding questions)
            // must not be outweighed by the last one. The conversation is leaned on only when the question follows up
            // on it (FollowsUp: it points back, or it is vague and refers to the topic with "the" or the topic papers'
            // own words), or is vague (fewer than VagueQuestionTerms topic words of its own: "what about drawbacks?")
            // and finds too little alone. A
            // specific question that finds too little alone is about something the corpus lacks, and is judged alone:
            // the earlier topic must not carry it through the gate (text-to-SQL accuracy after a speculative decoding
            // question was answered from decoding papers).
            var alone = await SearchAsync(new RetrievalQuery(query.Text), topK, kind, cancellationToken).ConfigureAwait(false);
            if (PointsBack(snapshot.Bm25, text))
            {
                // It points back, so its subject is the conversation's topic, and what it asks of it is a word no
                // paper uses ("Write me a poem about it"): nothing in the corpus answers that. Its hits keep their rank
                // but none is relevant, as for a name no paper uses; BM25 alone would pass "write" papers.
                return alone with { Hits = [.. alone.Hits.Select(h => h with { RelevanceScore = 0 })] };
            }

            if (!IsVague(snapshot.Bm25, text) || (alone.Hits.Count > 0 && alone.Hits.Max(h => h.RelevanceScore) >= _options.StandaloneMinRelevance))
            {
                return alone;
            }
        }

        var result = await SearchWeighedAsync(query, text, context, followsUp, snapshot, topK, kind, cancellationToken).ConfigureAwait(false) with { Searched = new RetrievalQuery(query.Text, context) };
        if (followsUp && !PointsBack(snapshot.Bm25, text) && result.Hits.All(h => h.RelevanceScore < _options.StandaloneMinRelevance))
        {
            // Read as a follow-up for its "the" or its words, yet not covered with the conversation's topic: a new
            // topic ("What is the attention mechanism?") is never refused because the last topic outweighs it.
            var alone = await SearchAsync(new RetrievalQuery(query.Text), topK, kind, cancellationToken).ConfigureAwait(false);
            return alone.Hits.Any(h => h.RelevanceScore >= _options.StandaloneMinRelevance) ? alone : result;
        }

        return result;
    }

    // The search itself: the question with its context (null for none) weighed as Weigh says.
    private async Task<RetrievalResult> SearchWeighedAsync(RetrievalQuery query, string text, string? context, bool followsUp, IndexSnapshot snapshot, int? topK, RetrieverKind? kind, CancellationToken cancellationToken)
    {
        var requested = kind ?? _options.Mode;
        var mode = requested;
        string? notice = null;
        if (requested != RetrieverKind.Bm25 && (snapshot.Vectors is null || _embeddingGenerator is null))
        {
            mode = RetrieverKind.Bm25;
            notice = _embeddingGenerator is null ? Bm25OnlyNotice : FallbackNotice(_index.Embedding);
            LogFellBack(requested);
        }

        var count = Math.Max(1, topK ?? _options.TopK);
        var depth = _reranker.KeepsOrder ? count : Math.Max(count, _options.CandidateDepth);
        // Chat ("thanks!", "hi") asks nothing of the papers, and is no follow-up on the conversation's topic either.
        if (snapshot.Passages.Count > 0 && snapshot.Bm25.IsChat(text))
        {
            return new RetrievalResult(query.Text, [], mode, Notice: null) { IsChat = true }; // nothing searched: no notice on how
        }

        if (string.IsNullOrWhiteSpace(text) || snapshot.Passages.Count == 0 || (!HasContent(snapshot.Bm25, text) && (context is null || !HasContent(snapshot.Bm25, context))))
        {
            return new RetrievalResult(query.Text, [], mode, notice);
        }

        var candidates = Math.Max(_options.CandidateCount, depth * _options.MaxPassagesPerPaper);
        var weighted = Weigh(snapshot.Bm25, text, context, mode, followsUp);
        IReadOnlyList<Bm25Hit> bm25 = mode == RetrieverKind.Dense ? [] : Bm25Search(snapshot, weighted, candidates);
        QueryVectors? queryVectors = null;
        IReadOnlyList<(int Ordinal, double Score)> dense = [];
        var vectors = new Dictionary<int, ReadOnlyMemory<float>>();
        SecondDenseSignal? second = null;
        TokenMatchSignal? tokenMatch = null;
        Task<ReadOnlyMemory<float>?>? clauseVector = null;
        if (mode != RetrieverKind.Bm25)
        {
            // The second model embeds the query while the first does (each ONNX call of a short query keeps a core
            // busy for a few milliseconds only): the two run side by side instead of one after the other.
            var secondQuery = mode == RetrieverKind.Hybrid ? EmbedSecondQuery(snapshot, text, context, weighted.ContextWeight, cancellationToken) : null;
            try
            {
                queryVectors = await EmbedQueryAsync(_embeddingGenerator!, text, context, weighted.ContextWeight, cancellationToken).ConfigureAwait(false);
                // A question of two or more clauses searched on its own only: the signal was cross-validated on such
                // questions, and a follow-up's ranking leans on its conversation instead (Weigh).
                clauseVector = mode == RetrieverKind.Hybrid && context is null && _options.FirstClauseWeight > 0 && _options.Fusion == FusionMethod.NormalizedScore && QuestionClauses.First(text) is { } first
                    ? EmbedFirstClause(first, secondQuery, cancellationToken)
                    : null;
                dense = await DenseSearchAsync(snapshot.Vectors!, snapshot, queryVectors.Ranking, candidates, cancellationToken).ConfigureAwait(false);
                var ordinals = bm25.Select(h => h.Ordinal).Concat(dense.Select(h => h.Ordinal)).ToList();
                if (mode == RetrieverKind.Hybrid)
                {
                    var secondQueries = secondQuery is null ? null : await secondQuery.ConfigureAwait(false);
                    second = await SecondDenseAsync(snapshot, secondQueries?.Vector, candidates, ordinals, cancellationToken).ConfigureAwait(false);
                    ordinals.AddRange(second?.Hits.Select(h => h.Ordinal) ?? []);
                    tokenMatch = secondQueries?.Tokens is { } question && snapshot.Tokens is { } tokens ? new TokenMatchSignal(tokens, question) : null;
                }

                vectors = await snapshot.PassageVectorsAsync(ordinals, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The model failed on this question: answer from BM25 rather than not at all.
                LogQueryEmbeddingFailed(ex, ex.Message);
                mode = RetrieverKind.Bm25;
                notice = $"The embedding model failed ({ex.Message}): results come from BM25 (keyword) search only.";
                queryVectors = null;
                dense = [];
                second = null;
                tokenMatch = null;
                clauseVector = null;
                weighted = Weigh(snapshot.Bm25, text, context, mode, followsUp);
                bm25 = Bm25Search(snapshot, weighted, candidates);
            }
        }

        var bm25Rank = Ranks(bm25.Select(h => h.Ordinal));
        var denseRank = Ranks(dense.Select(h => h.Ordinal));
        var secondRank = Ranks(second?.Hits.Select(h => h.Ordinal) ?? []);
        IReadOnlyList<(int Ordinal, double Score)> ranked = mode switch
        {
            RetrieverKind.Bm25 => bm25.Select(h => (h.Ordinal, h.Score)).ToList(),
            RetrieverKind.Dense => dense,
            _ => HybridFusion.Fuse(snapshot, _options, weighted.Terms, queryVectors!.Ranking, bm25, dense, vectors, second, tokenMatch),
        };
        if (clauseVector is not null && await clauseVector.ConfigureAwait(false) is { } firstClause)
        {
            ranked = HybridFusion.AddFirstClause(ranked, firstClause, vectors, _options.FirstClauseWeight, dense);
        }

        // A name the corpus never uses ("... on Spider?") says the question is about something else, however close
        // its other words come: every hit keeps its rank but none is relevant (see UnknownNames).
        // So is a question none of whose topic words any paper uses ("How do I bake bread?"): whatever matches it
        // matches its function words, or the earlier topic of a conversation. A question leaning on a topic question
        // that names what no paper uses ("How fast is it?" after "Does any paper evaluate Medusa?") is about that name too.
        IReadOnlyList<string> unknownNames = [.. UnknownNames.Find(snapshot.Bm25, text).Concat(context is null ? [] : UnknownNames.Find(snapshot.Bm25, context)).Distinct(StringComparer.OrdinalIgnoreCase)];
        var unrelated = unknownNames.Count > 0 || UsesNoWordOfTheCorpus(snapshot.Bm25, text);

        // The hits: the ranking's best passages, at most MaxPassagesPerPaper of a paper.
        var selected = new List<(int Ordinal, double Score)>(depth);
        var perPaper = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (ordinal, score) in ranked)
        {
            var paperId = snapshot.Passages[ordinal].PaperId;
            var taken = perPaper.GetValueOrDefault(paperId);
            if (taken < _options.MaxPassagesPerPaper)
            {
                perPaper[paperId] = taken + 1;
                selected.Add((ordinal, score));
                if (selected.Count == depth)
                {
                    break;
                }
            }
        }

        // Off the corpus's subject altogether (Retrieval:OutOfDomainCosine): no hit comes near the question, even if
        // one stands out from the rest of the corpus (the standing is relative; this is not). A short question embeds
        // poorly ("Tell me about GPT-4", "Does RLHF reduce toxicity?"), so a hit holding every topic word of it, or a
        // name the question writes ("RLHF", "GPT"), is evidence enough that the subject is the corpus's.
        // Each hit's cosine, once: the floor and the relevance both read it.
        var cosines = queryVectors is null
            ? []
            : selected.Where(h => vectors.ContainsKey(h.Ordinal)).ToDictionary(h => h.Ordinal, h => (double)TensorPrimitives.CosineSimilarity(queryVectors.Gate.Span, vectors[h.Ordinal].Span));
        if (queryVectors is not null && snapshot.Passages.Count < SentenceStanding.MinPassages)
        {
            await RaiseToBestSentenceAsync(snapshot, cosines, queryVectors.Gate, cancellationToken).ConfigureAwait(false);
        }

        var knownNames = UnknownNames.KnownTerms(snapshot.Bm25, text);
        // Holding every topic word is weaker evidence than a name: "What time is it?" and "Hello, how are you today?"
        // have one topic word the papers use ("test-time", "today's LLMs"), so that exception also asks the best cosine
        // to come within TopicWordCosineMargin of the floor ("What is attention?" does; chit-chat stays far below).
        var best = cosines.Values.DefaultIfEmpty(double.NegativeInfinity).Max();
        var offDomain = queryVectors is not null && _options.OutOfDomainCosine is { } floor && best < floor &&
            !selected.Any(h => (best >= floor - TopicWordCosineMargin && snapshot.Bm25.ContainsAll(weighted.GateTopic, h.Ordinal)) || knownNames.Any(t => snapshot.Bm25.ContainsAll([t], h.Ordinal)));
        var standing = queryVectors is null ? null : (await StandingOfAsync(snapshot, cancellationToken).ConfigureAwait(false))?.StandardScores(queryVectors.Gate.Span);
        var sentenceScale = standing is null ? 0 : RelevanceGate.SentenceScale(SentenceStanding.StandOut(standing, snapshot.PaperOrdinals, snapshot.Papers.Count, _options.StandOutRank), _options);
        var hits = selected.Select(h =>
        {
            var passage = snapshot.Passages[h.Ordinal];
            var (relevance, lexical, cosine) = Relevance(snapshot, mode, weighted, cosines, standing, sentenceScale, h.Ordinal, offDomain);
            return new RetrievedPassage(snapshot.PaperOf(passage), passage, h.Score, unrelated ? 0 : relevance, bm25Rank.GetValueOrDefault(h.Ordinal), denseRank.GetValueOrDefault(h.Ordinal), lexical, cosine) { SecondDenseRank = secondRank.GetValueOrDefault(h.Ordinal) };
        }).ToList();

        var reranked = _reranker.KeepsOrder ? hits : await _reranker.RerankAsync(text, hits, cancellationToken).ConfigureAwait(false);
        return new RetrievalResult(query.Text, reranked.Take(count).ToList(), mode, notice) { UnknownNames = unknownNames, UnusedWords = UnknownNames.UnusedWords(snapshot.Bm25, text) };
    }

    /// <summary>Why a search with an embedding model configured ran BM25 only: vectors pending, or embedding failed.</summary>
    /// <param name="embedding">Where background embedding stands.</param>
    /// <returns>A sentence for the user, naming progress or the error.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="embedding"/> is null.</exception>
    public static string FallbackNotice(EmbeddingProgress embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        return embedding.State switch
        {
            EmbeddingState.Running => $"The semantic index is still being built, {embedding.Done}/{embedding.Total} passages embedded: results come from BM25 (keyword) search only, and until it is built a question the corpus does not cover may still be answered from loosely related papers.",
            EmbeddingState.Failed => $"Embedding the passages failed ({embedding.Error}): results come from BM25 (keyword) search only.",
            _ => Bm25OnlyNotice,
        };
    }

    private static Dictionary<int, int?> Ranks(IEnumerable<int> ordinals) =>
        ordinals.Select((ordinal, i) => (ordinal, rank: (int?)(i + 1))).ToDictionary(x => x.ordinal, x => x.rank);

    private static IReadOnlyList<Bm25Hit> Bm25Search(IndexSnapshot snapshot, WeightedQuery query, int candidates) =>
        snapshot.Bm25.Search(query.Terms, query.ContextTerms, (float)query.ContextWeight, candidates);

    // Whether a text names anything to search for: a word of two or more characters that is not a stop or question
    // word (or a single CJK-like character, a word of its own). "the", "x" or "What is it?" with no conversation has
    // none, and any passage would "match" it: a stop word's dense neighbours, a sentence holding "X -> Y" (relevance
    // 0.88 in a trial). It finds nothing, so it is not covered, as an absent topic is.
    private static bool HasContent(Bm25Index bm25, string text) =>
        bm25.Analyze(text).Any(t => !bm25.IsQuestionWord(t) && (t.Length >= 2 || t[0] > '\u007f'));

    // Topic words (not stop or question words), and none of them in any passage or title.
    private static bool UsesNoWordOfTheCorpus(Bm25Index bm25, string text)
    {
        var topic = bm25.AnalyzeQuery(text).Where(t => !bm25.IsQuestionWord(t)).ToList();
        return topic.Count > 0 && topic.All(t => bm25.DocumentFrequency(t) == 0);
    }

    // Fewer than VagueQuestionTerms distinct topic words (question words dropped), every one of them a word the corpus
    // uses: such a question ("what about the limitations?") needs its conversation to say what it is about. A word no
    // paper uses names a subject of its own ("How do I bake bread?" after a neural collapse question), which is judged
    // alone rather than carried by the earlier topic.
    // A pronoun points back to the conversation ("How much faster is it?") unless the question names its own subject
    // (SelfContainedQuestionTerms topic words or more): "Is there a survey that catalogues techniques for adapting huge
    // text networks by updating only a small fraction of their weights, and that also measures how much memory they
    // save?" was refused after "What is LoRA?" (its "their" and "they" read as pointing back, every relevance set to
    // 0), and answered alone.
    private static bool PointsBack(Bm25Index bm25, string text) =>
        Bm25Index.PointsBack(text) && bm25.TopicTerms(bm25.AnalyzeQuery(text)).Distinct(StringComparer.Ordinal).Count() < SelfContainedQuestionTerms;

    private static bool IsVague(Bm25Index bm25, string text)
    {
        var topic = bm25.TopicTerms(bm25.AnalyzeQuery(text)).Distinct(StringComparer.Ordinal).ToList();
        return topic.Count < VagueQuestionTerms && topic.All(t => bm25.DocumentFrequency(t) > 0);
    }

    // A follow-up's own function words ("what about its ...") would outweigh its context's topic: with a context,
    // only the question's topic terms are searched (a standalone question keeps them, as measured on the dev set).
    // Without vectors, BM25 alone must keep the topic, and with vectors so must a question that follows up (FollowsUp:
    // "how much faster is it?", "and the speed?"): one with few topic terms of its own leans on its context the more,
    // ContextWeight rising towards 1 as the question's topic terms fall below VagueQuestionTerms (BM25 terms and the
    // dense blend alike). A question that does not follow up and finds enough alone never gets here (SearchAsync
    // searches it alone).
    private WeightedQuery Weigh(Bm25Index bm25, string text, string? context, RetrieverKind mode, bool followsUp)
    {
        var terms = bm25.AnalyzeQuery(text);
        var topic = bm25.TopicTerms(terms);
        if (context is null)
        {
            return new WeightedQuery(terms, [], 0, GateTopic(topic), RareTopic(bm25, topic));
        }

        var contextTopic = bm25.TopicTerms(bm25.AnalyzeQuery(context));
        var weight = _options.ContextWeight;
        if (mode == RetrieverKind.Bm25 || followsUp)
        {
            // A follow-up ("does it change ...?", "and the speed?") says the topic is the earlier one: half its terms
            // count, and none without vectors, where nothing else carries the topic (the context then weighs as much
            // as the question: with titles weighed lightly in BM25, "output distribution" alone found an unrelated paper).
            var own = (double)topic.Distinct(StringComparer.Ordinal).Count(t => bm25.DocumentFrequency(t) > 0);
            own = !followsUp ? own : mode == RetrieverKind.Bm25 ? 0 : own / 2;
            weight += (1 - weight) * Math.Max(0, VagueQuestionTerms - own) / VagueQuestionTerms;
        }

        var gateTopic = GateTopic(topic.Concat(contextTopic).ToList());
        return new WeightedQuery(topic, contextTopic, weight, gateTopic, RareTopic(bm25, gateTopic));
    }

    // The question that set the conversation's topic: of the earlier questions (one a line, oldest first), the last
    // that did not follow up on the topic before it. A chain of follow-ups ("What about its limitations?", "And the
    // speed?", "How much memory does it use?") keeps leaning on the question before the chain, however long; the
    // follow-ups' own words ("limitations", "speed") are no topic for the next one, nor is a question that points
    // back ("Write me a poem about it" was judged alone, but "it" was still the topic). Decided by FollowsUp (terms
    // and one BM25 search per line, no embedding): an earlier vague question whose words the topic papers lack counts
    // as a new topic, although its own search may have leaned on the conversation for finding too little alone. A
    // line with no topic word ("and then?"), or chat ("great, thanks"), sets nothing.
    private string? TopicQuestion(Bm25Index bm25, string context)
    {
        string? topic = null;
        foreach (var line in context.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (HasContent(bm25, line) && !bm25.IsChat(line) && (topic is null || (!PointsBack(bm25, line) && !FollowsUp(bm25, line, topic))))
            {
                topic = line;
            }
        }

        return topic;
    }

    // Whether a question follows up on the conversation's topic (the question that set it) instead of standing alone:
    // it has no topic word of its own ("and then?"); or every topic word is one the corpus uses (a word no paper uses,
    // "Write me a poem about it", asks for something the corpus does not hold, and is judged alone) and either it
    // points back (it, its, they, ...), or it is vague (fewer than VagueQuestionTerms topic words), names nothing
    // (no word written as a name: "LoRA", "GPT") and refers to the topic: with "the" and one topic word ("What is the
    // speedup?": the speedup of what was asked about) or a continuation ("And the memory cost?", "What about the
    // limitations?"), or with words one passage of the topic's own papers holds (its top Retrieval:TopK BM25 hits:
    // "What about speed?"). "What is LoRA?", "And quantization?" and "What is the attention mechanism?" (a concept of
    // two words, asked as a question of its own) name a topic of their own. How much a vague question's words find elsewhere says nothing here: "speed" is in as many
    // papers (11) as "lora".
    private bool FollowsUp(Bm25Index bm25, string question, string topic)
    {
        var own = bm25.AnalyzeQuery(question).Where(t => !bm25.IsQuestionWord(t)).Distinct(StringComparer.Ordinal).ToList();
        if (own.Count == 0)
        {
            return true;
        }

        if (own.Any(t => bm25.DocumentFrequency(t) == 0))
        {
            return false;
        }

        if (PointsBack(bm25, question))
        {
            return true;
        }

        return own.Count < VagueQuestionTerms && UnknownNames.KnownTerms(bm25, question).Count == 0 &&
            (((own.Count == 1 || ContinuationOpener().IsMatch(question)) && DefiniteArticle().IsMatch(question)) || bm25.Search(bm25.TopicTerms(bm25.AnalyzeQuery(topic)), [], 0, _options.TopK).Any(h => bm25.ContainsAll(own, h.Ordinal)));
    }

    [GeneratedRegex(@"\bthe\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DefiniteArticle();

    [GeneratedRegex(@"^\W*(and|also|plus|so|then|what about|how about)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ContinuationOpener();

    // Every topic term counts, known to the corpus or not: a passage "matches exactly" only if it has them all.
    private static List<string> GateTopic(IReadOnlyList<string> topic) => topic.Distinct(StringComparer.Ordinal).ToList();

    private HashSet<string> RareTopic(Bm25Index bm25, IReadOnlyList<string> topic) =>
        HybridFusion.RareTerms(bm25, topic, _options.RareTermMaxDocumentShare).ToHashSet(StringComparer.Ordinal);

    private (double Relevance, double Lexical, double? Cosine) Relevance(IndexSnapshot snapshot, RetrieverKind mode, WeightedQuery weighted, Dictionary<int, double> cosines, double[]? standing, double sentenceScale, int ordinal, bool offDomain)
    {
        var lexical = snapshot.Bm25.Relevance(weighted.Terms.ToList(), weighted.ContextTerms.ToList(), weighted.ContextTerms.Count > 0 ? 1 : 0, ordinal);
        if (mode == RetrieverKind.Bm25 || !cosines.TryGetValue(ordinal, out var cosine))
        {
            return (lexical, lexical, null);
        }

        var exactRareMatch = snapshot.Bm25.ContainsAll(weighted.GateTopic, ordinal) && weighted.GateTopic.Any(t => weighted.RareTopic.Contains(t));
        var semantic = offDomain ? 0 : standing is null ? RelevanceGate.Semantic(cosine, _options.CosineFloor) : RelevanceGate.Sentence(standing[ordinal], sentenceScale);
        return (RelevanceGate.Hybrid(semantic, lexical, exactRareMatch), lexical, cosine);
    }

    // A corpus too small for the sentence standing (a few notes) has no background to stand above, so the gate reads the
    // cosine; a passage's best sentence counts as its cosine when it is higher: "What did Carol find?" embeds far from a
    // whole meeting note (relevance 0, refused in a trial) and near its one sentence about Carol. Sentences without a
    // vector yet are skipped.
    private async Task RaiseToBestSentenceAsync(IndexSnapshot snapshot, Dictionary<int, double> cosines, ReadOnlyMemory<float> query, CancellationToken cancellationToken)
    {
        var sentences = cosines.Keys.ToDictionary(o => o, o => CorpusIndex.SentencesOf(snapshot.Passages[o]));
        var vectors = await _index.GetAsync(sentences.Values.SelectMany(s => s), cancellationToken).ConfigureAwait(false);
        foreach (var (ordinal, own) in sentences)
        {
            foreach (var sentence in own)
            {
                if (vectors.TryGetValue(sentence, out var vector) && vector.Length == query.Length)
                {
                    cosines[ordinal] = Math.Max(cosines[ordinal], TensorPrimitives.CosineSimilarity(query.Span, vector.Span));
                }
            }
        }
    }

    // The snapshot's sentence standing, once the index has a vector for every sentence (null before: the gate keeps
    // the cosine). The sentences are split once per snapshot; until the standing exists each search looks it up again.
    private async Task<SentenceStanding?> StandingOfAsync(IndexSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.Vectors is null || (_sentenceSet?.Standing is null && _index.Embedding is { } progress && progress.SentencesDone < progress.SentencesTotal))
        {
            return null;
        }

        var set = _sentenceSet;
        if (set is null || !ReferenceEquals(set.Snapshot, snapshot))
        {
            set = new SentenceSet(snapshot, snapshot.Passages.Select(CorpusIndex.SentencesOf).ToList(), null);
        }

        if (set.Standing is null)
        {
            set = set with { Standing = await SentenceStanding.TryCreateAsync(set.Sentences, _index, cancellationToken).ConfigureAwait(false) };
        }

        _sentenceSet = set;
        return set.Standing;
    }

    /// <summary>One snapshot's sentences by passage ordinal, and their standing once every one has a vector.</summary>
    private sealed record SentenceSet(IndexSnapshot Snapshot, IReadOnlyList<IReadOnlyList<string>> Sentences, SentenceStanding? Standing);

    // The second model's query vector and, with the token match on, the question's token vectors (read without
    // "paper(s)"/"article(s)": Bm25Index.WithoutDocumentWords), on the thread pool beside the first model's query.
    // One call, and one model pass where the generator gives each text's pooled vector beside its tokens
    // (TokenVectors.PooledKey): a second pass would hold the search up by one more ONNX call.
    // Null (logged) when it fails; null at once when the second dense retriever is off or its vectors are not all stored yet.
    private Task<SecondQuery?>? EmbedSecondQuery(IndexSnapshot snapshot, string text, string? context, double contextWeight, CancellationToken cancellationToken)
    {
        if (_secondEmbeddingGenerator is not { } generator || snapshot.SecondVectors is null || _options.SecondDenseWeight <= 0)
        {
            return null;
        }

        var tokenText = snapshot.Tokens is not null && _options.TokenMatchWeight > 0 ? Bm25Index.WithoutDocumentWords(context is null ? text : text + "\n" + context) : null;
        return Task.Run<SecondQuery?>(
            async () =>
            {
                try
                {
                    if (tokenText is null || snapshot.Tokens is not { } tokens)
                    {
                        return new SecondQuery((await EmbedQueryAsync(generator, text, context, contextWeight, cancellationToken).ConfigureAwait(false)).Ranking, null);
                    }

                    List<string> inputs = context is null ? [text] : [text, context];
                    var tokenInput = context is null && tokenText == text ? 0 : inputs.Count;
                    if (tokenInput == inputs.Count)
                    {
                        inputs.Add(tokenText);
                    }

                    var embeddings = await generator.GenerateAsync(inputs, TokenVectors.QueryOptions, cancellationToken).ConfigureAwait(false);
                    var question = TokenVectors.ReadPooled(embeddings[0]);
                    var earlier = context is null ? null : TokenVectors.ReadPooled(embeddings[1]);
                    var ranking = question is { } pooled && (context is null || earlier is not null)
                        ? QueryVectorsOf(pooled, earlier, contextWeight).Ranking
                        : (await EmbedQueryAsync(generator, text, context, contextWeight, cancellationToken).ConfigureAwait(false)).Ranking; // tokens without their pooled vector: a second pass
                    return new SecondQuery(ranking, TokenVectors.Read(embeddings[tokenInput], tokens.Dimensions));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSecondDenseFailed(ex, ex.Message);
                    return null;
                }
            },
            cancellationToken);
    }

    /// <summary>The second model's query vector, and the question's token vectors when the token match is on.</summary>
    private sealed record SecondQuery(ReadOnlyMemory<float> Vector, (ReadOnlyMemory<float> Vectors, int[] Ids)? Tokens);

    // The second dense retriever's part, once the index has its vectors: its own nearest passages, and its vectors
    // of every candidate (the others' too, so each is scored by both models). Its failure is this search's loss only.
    private async Task<SecondDenseSignal?> SecondDenseAsync(IndexSnapshot snapshot, ReadOnlyMemory<float>? query, int candidates, IEnumerable<int> others, CancellationToken cancellationToken)
    {
        if (query is not { } vector || snapshot.SecondVectors is not { } collection)
        {
            return null;
        }

        try
        {
            var hits = await DenseSearchAsync(collection, snapshot, vector, candidates, cancellationToken).ConfigureAwait(false);
            var vectors = await snapshot.PassageVectorsAsync(others.Concat(hits.Select(h => h.Ordinal)), cancellationToken, second: true).ConfigureAwait(false);
            return new SecondDenseSignal(vector, hits, vectors);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSecondDenseFailed(ex, ex.Message);
            return null;
        }
    }

    // Without a context one vector serves both. With one, the ranking vector is the question's unit vector plus
    // ContextWeight times the context's (Rocchio-style: a passage's cosine to it ranks like cos(question) +
    // w·cos(context), the dense counterpart of the weighted BM25 terms); the gate's vector weighs both alike.
    private static async Task<QueryVectors> EmbedQueryAsync(IEmbeddingGenerator<string, Embedding<float>> generator, string text, string? context, double contextWeight, CancellationToken cancellationToken)
    {
        string[] inputs = context is null ? [text] : [text, context];
        var embeddings = await generator.GenerateAsync(inputs, EmbeddingInputType.Options(EmbeddingInputType.Query), cancellationToken).ConfigureAwait(false);
        return QueryVectorsOf(embeddings[0].Vector, context is null || embeddings.Count < 2 ? null : (ReadOnlyMemory<float>?)embeddings[1].Vector, contextWeight);
    }

    private static QueryVectors QueryVectorsOf(ReadOnlyMemory<float> question, ReadOnlyMemory<float>? earlier, double contextWeight) =>
        earlier is not { } context || context.Length != question.Length
            ? new QueryVectors(question, question)
            : new QueryVectors(Blend(question.Span, context.Span, (float)contextWeight), Blend(question.Span, context.Span, 1));

    // The vector of the question's first clause (QuestionClauses), on the thread pool once the second model's query
    // call (after) is done: until then both cores embed, and a third ONNX call only slows the other two. It is read
    // last, after the token match, so it runs beside the searches and the fusion. Null (logged) when the model
    // fails: the search ranks without it.
    private Task<ReadOnlyMemory<float>?> EmbedFirstClause(string firstClause, Task? after, CancellationToken cancellationToken)
    {
        var generator = _embeddingGenerator!;
        return Task.Run<ReadOnlyMemory<float>?>(
            async () =>
            {
                if (after is not null)
                {
                    await after.ConfigureAwait(false);
                }

                try
                {
                    var embeddings = await generator.GenerateAsync([firstClause], EmbeddingInputType.Options(EmbeddingInputType.Query), cancellationToken).ConfigureAwait(false);
                    return embeddings[0].Vector;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFirstClauseFailed(ex, ex.Message);
                    return null;
                }
            },
            cancellationToken);
    }

    // Unit length, as the store's vectors and a single query's are; a zero vector stays as it is.
    private static float[] Blend(ReadOnlySpan<float> question, ReadOnlySpan<float> earlier, float weight)
    {
        var blended = new float[question.Length];
        var questionNorm = TensorPrimitives.Norm(question);
        var earlierNorm = TensorPrimitives.Norm(earlier);
        for (var i = 0; i < blended.Length; i++)
        {
            blended[i] = (questionNorm == 0 ? 0 : question[i] / questionNorm) + (earlierNorm == 0 ? 0 : weight * earlier[i] / earlierNorm);
        }

        var norm = TensorPrimitives.Norm(blended);
        if (norm > 0)
        {
            TensorPrimitives.Divide(blended, norm, blended);
        }

        return blended;
    }

    /// <summary>The query vector that ranks passages and the one the relevance gate compares them with.</summary>
    private sealed record QueryVectors(ReadOnlyMemory<float> Ranking, ReadOnlyMemory<float> Gate);

    /// <summary>The analysed terms of a question and of its context, and the context's weight (0 without one).</summary>
    /// <param name="Terms">The question's analysed terms (its topic terms when there is a context).</param>
    /// <param name="ContextTerms">The context's topic terms, or empty.</param>
    /// <param name="ContextWeight">The BM25 boost of a context term, 0 without a context.</param>
    /// <param name="GateTopic">The distinct topic terms of question and context, all of which a passage must contain for an exact match.</param>
    /// <param name="RareTopic">Those of them that are rare in the corpus (<see cref="RetrievalOptions.RareTermMaxDocumentShare"/>).</param>
    private sealed record WeightedQuery(IReadOnlyList<string> Terms, IReadOnlyList<string> ContextTerms, double ContextWeight, IReadOnlyList<string> GateTopic, IReadOnlySet<string> RareTopic);

    private static async Task<IReadOnlyList<(int Ordinal, double Score)>> DenseSearchAsync(Microsoft.Extensions.VectorData.VectorStoreCollection<string, RagAssistant.Core.VectorStore.PassageVectorRecord> collection, IndexSnapshot snapshot, ReadOnlyMemory<float> query, int candidates, CancellationToken cancellationToken)
    {
        var hits = new List<(int, double)>(candidates);
        await foreach (var result in collection.SearchAsync(query, candidates, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (snapshot.OrdinalOf(result.Record.Id) is { } ordinal)
            {
                hits.Add((ordinal, result.Score ?? 0));
            }
        }

        return hits;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The second dense retriever failed on this query ({Reason}); it ranks with BM25 and the first embedder")]
    private partial void LogSecondDenseFailed(Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding the question's first clause failed ({Reason}); this search ranks without it")]
    private partial void LogFirstClauseFailed(Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Embedding the query failed ({Reason}); this search runs BM25 only")]
    private partial void LogQueryEmbeddingFailed(Exception exception, string reason);

    // Debug: the index build already warned once; a line per search would drown the log.
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Requested} search requested but no embedding model is available: BM25 only")]
    private partial void LogFellBack(RetrieverKind requested);
}
