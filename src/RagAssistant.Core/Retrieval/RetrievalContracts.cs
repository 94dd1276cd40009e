using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Retrieval;

/// <summary>Which retrievers produced a result.</summary>
public enum RetrieverKind
{
    /// <summary>Lexical search only: BM25 over titles and passages (Lucene.Net).</summary>
    Bm25,

    /// <summary>Vector search only: cosine of the query and passage embeddings.</summary>
    Dense,

    /// <summary>BM25 and dense candidates fused (see <see cref="FusionMethod"/>).</summary>
    Hybrid,
}

/// <summary>One retrieved passage with its paper and how each retriever ranked it.</summary>
/// <param name="Paper">The paper the passage belongs to.</param>
/// <param name="Passage">The passage that matched (the whole abstract for an unsplit paper).</param>
/// <param name="Score">The fused (or single-retriever) score; higher is better.</param>
/// <param name="RelevanceScore">A query-length independent relevance in [0, 1], used to decide "nothing relevant".</param>
/// <param name="Bm25Rank">1-based rank in the BM25 list, or null if BM25 did not return it.</param>
/// <param name="DenseRank">1-based rank in the dense list, or null if dense search did not return it.</param>
/// <param name="LexicalRelevance">The BM25 relevance of the passage (IDF weights, term-frequency saturation; <see cref="Bm25Index.Relevance(IReadOnlyCollection{string}, int)"/>), in [0, 1].</param>
/// <param name="Cosine">The cosine similarity of query and passage vectors, or null when dense search did not run.</param>
public sealed record RetrievedPassage(
    Paper Paper,
    Passage Passage,
    double Score,
    double RelevanceScore,
    int? Bm25Rank,
    int? DenseRank,
    double LexicalRelevance = 0,
    double? Cosine = null)
{
    /// <summary>1-based rank in the second dense retriever's list (<see cref="RetrievalOptions.SecondDenseWeight"/>), or null when it did not run or return it.</summary>
    public int? SecondDenseRank { get; init; }
}

/// <summary>The outcome of a search.</summary>
/// <param name="Query">The query as given.</param>
/// <param name="Hits">The hits, best first; at most the requested top-k, empty for a blank query or an empty corpus.</param>
/// <param name="Mode">What actually ran: Bm25 when no embedding model is available, whatever was asked.</param>
/// <param name="Notice">Why the mode differs from what was asked (e.g. "no embedding model: BM25 only"), else null.</param>
public sealed record RetrievalResult(
    string Query,
    IReadOnlyList<RetrievedPassage> Hits,
    RetrieverKind Mode,
    string? Notice)
{
    /// <summary>
    /// The words the question writes as names that no paper of the corpus uses (<see cref="Retrieval.UnknownNames"/>),
    /// as written; empty when there are none. When there are any (or when no topic word of the question is in any
    /// paper), every hit's <see cref="RetrievedPassage.RelevanceScore"/> is 0: the hits are still ranked and shown, but
    /// none is about what the question names.
    /// </summary>
    public IReadOnlyList<string> UnknownNames { get; init; } = [];

    /// <summary>
    /// The question's topic words, in any casing, that no paper uses (<see cref="Retrieval.UnknownNames.UnusedWords"/>),
    /// as written; empty when there are none. They do not change the ranking or the relevance; they say why a question
    /// the gate refuses is not covered ("no paper in it uses bake or bread"), and show a typo.
    /// </summary>
    public IReadOnlyList<string> UnusedWords { get; init; } = [];

    /// <summary>
    /// What the search weighed: the question, and of a follow-up's <see cref="RetrievalQuery.Context"/> only the earlier
    /// question it leaned on (null <see cref="RetrievalQuery.Context"/> when the question was searched alone); null when
    /// the retriever does not say. The answer's <c>search_query</c> shows it.
    /// </summary>
    public RetrievalQuery? Searched { get; init; }

    /// <summary>
    /// True when the question is chat, a greeting or thanks with no topic word ("hi", "thanks!"): nothing was searched,
    /// <see cref="Hits"/> is empty, and the answer says what the assistant is for instead of "not covered".
    /// </summary>
    public bool IsChat { get; init; }
}

/// <summary>
/// What to search for: the question, and for a follow-up that could not be rewritten into a standalone query, the
/// conversation's earlier question. The question drives the search; the context only adds its topic, lightly
/// (<see cref="RetrievalOptions.ContextWeight"/>), so "what about its limitations?" stays on the earlier paper while
/// "and speculative decoding?" moves to the new topic.
/// </summary>
/// <param name="Text">The question or standalone query.</param>
/// <param name="Context">
/// The earlier user questions of the conversation (never an answer, nor a question answered "not covered"), one a
/// line, newest last, or null for a standalone query. The context is the last line that set the topic: a line that
/// follows up on the topic before it (points back, or is vague and refers to it: "And the speed?") does not, so a
/// chain of follow-ups keeps the question before the chain (see Retrieval/README.md, "Follow-ups").
/// </param>
public sealed record RetrievalQuery(string Text, string? Context = null)
{
    /// <summary>The query as one line, context first, for logs and the answer's <c>search_query</c>.</summary>
    /// <returns><see cref="Text"/>, preceded by <see cref="Context"/> when there is one.</returns>
    public override string ToString() => string.IsNullOrWhiteSpace(Context) ? Text : $"{string.Join(' ', Context.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))} {Text}";
}

/// <summary>Searches the indexed corpus.</summary>
public interface IPaperRetriever
{
    /// <summary>Finds the passages most relevant to <paramref name="query"/>; builds the index first when no build has completed.</summary>
    /// <param name="query">The question or search terms; a blank query returns no hits.</param>
    /// <param name="topK">How many hits to return; null uses the configured default.</param>
    /// <param name="kind">Which retriever to use; null uses the configured default (hybrid).</param>
    /// <param name="cancellationToken">Cancels the search (and a build it waits for).</param>
    /// <returns>The hits, best first, and the retriever that actually ran.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<RetrievalResult> SearchAsync(string query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds the passages most relevant to <paramref name="query"/>'s question, its context (a follow-up's earlier
    /// question) weighing less. A retriever that cannot weigh a context searches the question alone.
    /// </summary>
    /// <param name="query">The question and its optional context; a blank question returns no hits.</param>
    /// <param name="topK">How many hits to return; null uses the configured default.</param>
    /// <param name="kind">Which retriever to use; null uses the configured default (hybrid).</param>
    /// <param name="cancellationToken">Cancels the search (and a build it waits for).</param>
    /// <returns>The hits, best first, and the retriever that actually ran.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<RetrievalResult> SearchAsync(RetrievalQuery query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default) =>
        SearchAsync((query ?? throw new ArgumentNullException(nameof(query))).Text, topK, kind, cancellationToken);
}

/// <summary>Looks papers up by id, and tells what the index holds.</summary>
public interface IPaperCatalog
{
    /// <summary>Number of unique papers indexed.</summary>
    int Count { get; }

    /// <summary>The paper with this id, or null.</summary>
    Paper? GetPaper(string id);

    /// <summary>All papers, in corpus order.</summary>
    IReadOnlyList<Paper> Papers { get; }
}

/// <summary>Progress of an index build, for progress bars and logs.</summary>
/// <param name="Stage">What is happening ("parsing", "embedding", "indexing").</param>
/// <param name="Done">Items of this stage finished (files, passages).</param>
/// <param name="Total">Items of this stage in all.</param>
public sealed record IndexProgress(string Stage, int Done, int Total);

/// <summary>What an index build did.</summary>
/// <param name="Papers">Unique papers indexed.</param>
/// <param name="Passages">Passages indexed (one per unsplit paper, several per long document).</param>
/// <param name="Embedded">Passages embedded by the model in this build.</param>
/// <param name="FromCache">Passages whose vectors came from the on-disk cache.</param>
/// <param name="Warnings">Problems found and skipped (file and line), e.g. a malformed JSONL line.</param>
/// <param name="DenseAvailable">True when dense search is available now; false without an embedding model, while vectors are pending, or after embedding failed.</param>
/// <param name="Elapsed">Wall-clock time of the build (until BM25 was searchable, or until the vectors were ready).</param>
public sealed record IndexReport(
    int Papers,
    int Passages,
    int Embedded,
    int FromCache,
    IReadOnlyList<string> Warnings,
    bool DenseAvailable,
    TimeSpan Elapsed)
{
    /// <summary>
    /// Identical copies merged into one paper, one line per set of files (<see cref="Ingestion.CorpusMerge.Summarize"/>:
    /// "merged 2 identical copies of ..." for a paper alone, "merged 119 papers of a.txt with their identical copies in
    /// b.txt, ..." for a whole file).
    /// </summary>
    public IReadOnlyList<string> Merges { get; init; } = [];

    /// <summary>How many papers had identical copies merged into them (each a paper, however <see cref="Merges"/> groups them).</summary>
    public int MergedPapers { get; init; }
}

/// <summary>Where passage embedding stands.</summary>
public enum EmbeddingState
{
    /// <summary>No embedding model: retrieval is BM25 only.</summary>
    None,

    /// <summary>Passages are being embedded in the background; searches run BM25 meanwhile.</summary>
    Running,

    /// <summary>Every passage has its vector: dense and hybrid search are available.</summary>
    Ready,

    /// <summary>Embedding failed (see <see cref="EmbeddingProgress.Error"/>); retrieval is BM25 only until the next build.</summary>
    Failed,

    /// <summary>
    /// Waiting its turn: the second dense retriever's passages are embedded after the first embedder's passages and
    /// sentences (<see cref="EmbeddingProgress.SecondDense"/> only).
    /// </summary>
    Queued,
}

/// <summary>Progress of background passage embedding, for progress bars, /api/status and notices.</summary>
/// <param name="State">Where embedding stands: none, running, done or failed.</param>
/// <param name="Done">Passages with a vector (from the cache or embedded).</param>
/// <param name="Total">Passages in the corpus.</param>
/// <param name="PassagesPerSecond">Embedding rate in this build so far, or null before the first batch.</param>
/// <param name="Eta">Estimated time left at that rate, or null when unknown.</param>
/// <param name="Error">Why embedding failed, or null.</param>
public sealed record EmbeddingProgress(EmbeddingState State, int Done, int Total, double? PassagesPerSecond, TimeSpan? Eta, string? Error)
{
    /// <summary>Before any build, or without an embedding model.</summary>
    public static EmbeddingProgress None { get; } = new(EmbeddingState.None, 0, 0, null, null, null);

    /// <summary>True while vectors are still being computed.</summary>
    public bool IsPending => State == EmbeddingState.Running;

    /// <summary>
    /// Why the embedding cache could not be saved (a read-only folder, a full disk), naming the file, or null: answers
    /// work, but the next start embeds again. Set from the first failed save of a build; front ends show it once.
    /// </summary>
    public string? CacheWarning { get; init; }

    /// <summary>
    /// Source sentences with a vector (from the cache or embedded). They are embedded after the passages, so hybrid
    /// search is ready before them; until every one has its vector the relevance gate judges by the passage cosine
    /// (Retrieval/README.md, "RelevanceScore and the "not covered" gate").
    /// </summary>
    public int SentencesDone { get; init; }

    /// <summary>Distinct source sentences in the corpus (0 before a build or without an embedding model).</summary>
    public int SentencesTotal { get; init; }

    /// <summary>Estimated time left for the source sentences at their embedding rate so far, or null before their first batch.</summary>
    public TimeSpan? SentencesEta { get; init; }

    /// <summary>True while the passages are ready and the sentences are still being embedded.</summary>
    public bool SentencesPending => State == EmbeddingState.Ready && SentencesDone < SentencesTotal;

    /// <summary>
    /// The second dense retriever's passage vectors (<see cref="RetrievalOptions.SecondDenseWeight"/>): None when it is
    /// off, Queued while the first embedder's passages and sentences are embedded, Running while its own are, Ready
    /// once hybrid search ranks with it, Failed when embedding them failed (hybrid search ranks with BM25 and the
    /// first embedder; the log says why).
    /// </summary>
    public EmbeddingState SecondDense { get; init; }

    /// <summary>True while the second dense retriever's passages are queued or being embedded.</summary>
    public bool SecondDensePending => SecondDense is EmbeddingState.Queued or EmbeddingState.Running;

    /// <summary>
    /// While the second dense retriever runs: passages with its vector (from its cache or embedded), then, once
    /// <see cref="SecondDenseTokens"/>, passages with their token vectors. 0 before it starts.
    /// </summary>
    public int SecondDenseDone { get; init; }

    /// <summary>Passages the second dense retriever's current phase covers (0 before it starts).</summary>
    public int SecondDenseTotal { get; init; }

    /// <summary>True once the second dense retriever's passages are in and its token vectors (<see cref="RetrievalOptions.TokenMatchWeight"/>) are embedded.</summary>
    public bool SecondDenseTokens { get; init; }
}

/// <summary>The corpus index: parses the corpus folder, embeds (with cache) and indexes it.</summary>
public interface ICorpusIndex
{
    /// <summary>True once a build has completed and (BM25) searches can run.</summary>
    bool IsReady { get; }

    /// <summary>Where background passage embedding stands.</summary>
    EmbeddingProgress Embedding { get; }

    /// <summary>
    /// Waits until the passage vectors of the current build are ready (or embedding failed, or there is no model),
    /// building the index first if needed; returns the build's final report.
    /// </summary>
    Task<IndexReport> WaitForVectorsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Builds the index, or refreshes it incrementally (only changed files are re-read and re-embedded). Returns once
    /// BM25 is searchable; passages whose vectors are not cached are embedded in the background (see
    /// <see cref="Embedding"/> and <see cref="WaitForVectorsAsync"/>).
    /// </summary>
    Task<IndexReport> BuildAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default);
}
