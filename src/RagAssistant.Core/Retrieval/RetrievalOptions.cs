using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RagAssistant.Core.Retrieval;

/// <summary>How the corpus is searched. Bound from the "Retrieval" configuration section.</summary>
public sealed class RetrievalOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Retrieval";

    /// <summary>Hits returned when the caller does not say.</summary>
    [Range(1, 100)]
    public int TopK { get; set; } = 5;

    /// <summary>Retriever used when the caller does not say; falls back to BM25 without an embedding model.</summary>
    public RetrieverKind Mode { get; set; } = RetrieverKind.Hybrid;

    /// <summary>How hybrid search combines BM25 and dense candidates (measured in Retrieval/README.md).</summary>
    public FusionMethod Fusion { get; set; } = FusionMethod.NormalizedScore;

    /// <summary>Weight of the BM25 list (reciprocal rank fusion, normalised-score combination).</summary>
    [Range(0.0, 100.0)]
    public double Bm25Weight { get; set; } = 1;

    /// <summary>Weight of the dense list (reciprocal rank fusion, normalised-score combination).</summary>
    [Range(0.0, 100.0)]
    public double DenseWeight { get; set; } = 1;

    /// <summary>
    /// Weight of the second dense retriever's list (reciprocal rank fusion, normalised-score combination): a second
    /// embedding model registered under <see cref="SecondDenseKey"/> (the application registers the bundled
    /// all-MiniLM-L6-v2 beside arctic-embed-xs). 0 (or <see cref="FusionMethod.DenseFirst"/>, which reads one cosine) = off: the second model is not loaded and the corpus is embedded
    /// once. Cross-validated over three question sets: 0.5 (Retrieval/README.md). It orders the candidates only; the
    /// relevance gate, the quotes and the evidence check read the first embedder's vectors.
    /// </summary>
    [Range(0.0, 100.0)]
    public double SecondDenseWeight { get; set; } = 0.5;

    /// <summary>
    /// Weight of the token-level match (late interaction, <see cref="TokenVectors"/>) in the normalised-score
    /// combination and reciprocal rank fusion: the second dense retriever's contextual token vectors, each question
    /// token matched with its best passage token. Needs the second dense retriever (<see cref="SecondDenseWeight"/> &gt; 0);
    /// its passages' token vectors are made after its passage vectors, in the background. 0 = off.
    /// Cross-validated over three question sets: 3 (Retrieval/README.md, "Token-level match").
    /// </summary>
    [Range(0.0, 100.0)]
    public double TokenMatchWeight { get; set; } = 3;

    /// <summary>
    /// How many of the fused candidates (BM25 and the dense retrievers, best first) the token-level match scores; the
    /// rest keep their score. Its cost per search grows with it (about 0.13 ms a passage on one core).
    /// Cross-validated (MRR@10 out of sample at the best weight): 10: 0.907, 20: 0.902, 30: 0.918, 50: 0.914, every candidate: 0.916.
    /// </summary>
    [Range(1, 1000)]
    public int TokenMatchDepth { get; set; } = 30;

    /// <summary>
    /// Weight of the question's first clause (<see cref="QuestionClauses"/>: split at commas and at "and", "while",
    /// "whereas"), embedded by the first embedder as its own dense signal in the normalised-score combination, added
    /// after the token-level match. A reworded question tends to name its paper in its first clause and ask about its
    /// results in the rest. A question of one clause, and a question searched with its conversation (a follow-up),
    /// get no such signal: the first lost out of sample ("Which papers use GPT-2?" counted its cosine twice against
    /// BM25's exact match), the second was not measured. Costs one more call of the first embedder per question of
    /// two or more clauses, run beside the search. 0 = off. Chosen by 5-fold cross-validation over the question sets,
    /// as the best of every measured setting on the pooled questions: 1 (Retrieval/README.md, "Each clause of the
    /// question alone").
    /// </summary>
    [Range(0.0, 100.0)]
    public double FirstClauseWeight { get; set; } = 1;

    /// <summary>The service key of the second dense retriever's <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>.</summary>
    public const string SecondDenseKey = "RagAssistant.SecondDense";

    /// <summary>
    /// <see cref="FusionMethod.DenseFirst"/>: added to the cosine, times the passage's BM25 relevance (title included) to
    /// the question's rare terms alone.
    /// </summary>
    [Range(0.0, 10.0)]
    public double RareTermBoost { get; set; } = 0.1;

    /// <summary>
    /// A question term is rare when at most this share of the passages contain it: for <see cref="FusionMethod.DenseFirst"/>'s
    /// boost, and for the relevance gate's exact rare-term match (5%: "lora" is in more than 2% of the shipped passages).
    /// </summary>
    [Range(0.0, 1.0)]
    public double RareTermMaxDocumentShare { get; set; } = 0.05;

    /// <summary>
    /// The out-of-domain floor: when no hit's query-passage cosine (the first embedder's) reaches it, the question is
    /// off the corpus's subject ("How do I bake bread?", "Tell me a joke" over machine-learning papers) and no hit is
    /// relevant, whatever its standing among the corpus's sentences; a passage that matches a rare term of the question
    /// exactly still is (see <see cref="RareTermMaxDocumentShare"/>). Null or -1: none. A cosine's scale is the embedder's
    /// own, so the application sets it for the bundled arctic-embed-xs only (0.60, chosen by cross-validation with a
    /// set of off-topic questions; Retrieval/README.md, "Cross-validated choices"), leaving other embedders without one
    /// unless configured.
    /// </summary>
    [Range(-1.0, 1.0)]
    public double? OutOfDomainCosine { get; set; }

    /// <summary>
    /// The cosine that counts as "unrelated" for the relevance gate: cosines are rescaled from [floor, 1] to [0, 1]
    /// (see <see cref="RelevanceGate"/>). With Answering:MinRelevance 0.15, 0.58 refuses below a cosine of 0.643.
    /// </summary>
    [Range(0.0, 0.99)]
    public double CosineFloor { get; set; } = 0.58;

    /// <summary>
    /// The best-sentence standard score that counts as full relevance once the corpus's sentence vectors are ready,
    /// when the best paper stands out from the crowd (see <see cref="StandOutGap"/>): the relevance gate's value is a
    /// passage's best-sentence cosine to the question, in standard deviations above the corpus's passages, over this
    /// (see <see cref="RelevanceGate"/>). With Answering:MinRelevance 0.15, 6.67 refuses below 1.0 standard deviation.
    /// Chosen with <see cref="CrowdedSentenceScoreScale"/> and <see cref="StandOutGap"/> by 5-fold cross-validation over
    /// the dev, held-out and reworded sets (155 questions; Retrieval/README.md, "Cross-validated choices"), with a
    /// question that names something the corpus never uses refused first (<see cref="UnknownNames"/>).
    /// </summary>
    [Range(0.1, 1000.0)]
    public double SentenceScoreScale { get; set; } = 6.67;

    /// <summary>
    /// <see cref="SentenceScoreScale"/> for a search whose best paper does not stand out from the crowd (its standard
    /// score less than <see cref="StandOutGap"/> above the <see cref="StandOutRank"/>-th best paper's): with
    /// Answering:MinRelevance 0.15, 16.67 refuses below 2.5 standard deviations. Many papers about alike is what an
    /// absent topic that reuses the corpus's words looks like. At least <see cref="SentenceScoreScale"/>.
    /// </summary>
    [Range(0.1, 1000.0)]
    public double CrowdedSentenceScoreScale { get; set; } = 16.67;

    /// <summary>
    /// How many standard deviations the best paper's best-sentence standard score must stand above the
    /// <see cref="StandOutRank"/>-th best paper's for the search to count as specific (<see cref="SentenceScoreScale"/>
    /// applies; below it, <see cref="CrowdedSentenceScoreScale"/>). 0 turns the distinction off.
    /// </summary>
    [Range(0.0, 100.0)]
    public double StandOutGap { get; set; } = 0.9;

    /// <summary>The paper the best is compared with for <see cref="StandOutGap"/> (10: the tenth best). A corpus with fewer papers uses <see cref="SentenceScoreScale"/>.</summary>
    [Range(2, 1000)]
    public int StandOutRank { get; set; } = 10;

    /// <summary>
    /// How much a follow-up's context (the conversation's earlier question, used when no chat model rewrites the
    /// follow-up) weighs against the question itself in the ranking: each of its BM25 terms gets this boost, and its
    /// embedding is added to the question's at this weight. 0 searches the question alone; 1 weighs both alike. The
    /// relevance gate weighs a context (any weight above 0) as much as the question (see Retrieval/README.md).
    /// </summary>
    [Range(0.0, 1.0)]
    public double ContextWeight { get; set; } = 0.3;

    /// <summary>
    /// A follow-up that does not point back with a pronoun (it, its, they, this, ...) is searched on its own first;
    /// when its best RelevanceScore reaches this value that result stands and the conversation is not consulted
    /// (the same value as Answering:MinRelevance: a question that would be answered alone is answered alone). Below
    /// it, only a vague follow-up (fewer than three topic words of its own) leans on the conversation; a specific one
    /// stands alone, and is refused if the corpus does not cover it.
    /// </summary>
    [Range(0.0, 1.0)]
    public double StandaloneMinRelevance { get; set; } = 0.15;

    /// <summary>
    /// How many candidates the first stage hands the <see cref="IReranker"/> before the top k is cut (at least the
    /// top k). The default reranker keeps the order, so this changes nothing without another one registered.
    /// </summary>
    [Range(1, 1000)]
    public int CandidateDepth { get; set; } = 50;

    /// <summary>The second stage: None keeps the first stage's order (the default); Llm asks the chat model (<see cref="LlmReranker"/>).</summary>
    public RerankerKind Reranker { get; set; } = RerankerKind.None;

    /// <summary>How many of the candidates the LLM reranker reads (its prompt grows by about 60 tokens per candidate).</summary>
    [Range(2, 100)]
    public int RerankerCandidates { get; set; } = 10;

    /// <summary>Characters of each candidate's passage the LLM reranker reads, after its title.</summary>
    [Range(50, 4000)]
    public int RerankerPassageChars { get; set; } = 300;

    /// <summary>The k of reciprocal rank fusion, 1/(k + rank): larger values flatten the head of each list.</summary>
    [Range(1, 1000)]
    public int RrfK { get; set; } = 60;

    /// <summary>How many candidates each retriever contributes to fusion.</summary>
    [Range(1, 1000)]
    public int CandidateCount { get; set; } = 50;

    /// <summary>Most passages of one paper among the hits (1: one hit per paper, its best passage).</summary>
    [Range(1, 100)]
    public int MaxPassagesPerPaper { get; set; } = 1;

    /// <summary>Longest passage of a split document, in embedding-model tokens (bge-small reads 512).</summary>
    [Range(16, 8192)]
    public int PassageMaxTokens { get; set; } = 256;

    /// <summary>Tokens repeated between consecutive passages of a split document.</summary>
    [Range(0, 4096)]
    public int PassageOverlapTokens { get; set; } = 32;

    /// <summary>Texts per embedding request while indexing.</summary>
    [Range(1, 4096)]
    public int EmbeddingBatchSize { get; set; } = 32;

    /// <summary>How often background embedding saves the cache, so an interrupted first run keeps its work.</summary>
    public TimeSpan EmbeddingCacheSaveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>BM25 settings.</summary>
    [Required]
    [ValidateObjectMembers]
    public Bm25Options Bm25 { get; set; } = new();

    /// <summary>The rules data annotations cannot express: relations between values.</summary>
    /// <param name="validationContext">The validation context (unused).</param>
    /// <returns>One result per broken rule, naming the setting.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PassageOverlapTokens >= PassageMaxTokens)
        {
            yield return new ValidationResult(
                $"Retrieval:PassageOverlapTokens ({PassageOverlapTokens}) must be smaller than Retrieval:PassageMaxTokens ({PassageMaxTokens}).",
                [nameof(PassageOverlapTokens)]);
        }

        if (CrowdedSentenceScoreScale < SentenceScoreScale)
        {
            yield return new ValidationResult(
                $"Retrieval:CrowdedSentenceScoreScale ({CrowdedSentenceScoreScale}) must be at least Retrieval:SentenceScoreScale ({SentenceScoreScale}): a search whose best paper does not stand out is judged more strictly, not less.",
                [nameof(CrowdedSentenceScoreScale)]);
        }

        if (!Enum.IsDefined(Reranker))
        {
            yield return new ValidationResult($"Retrieval:Reranker must be one of {string.Join(", ", Enum.GetNames<RerankerKind>())}.", [nameof(Reranker)]);
        }

        if (!Enum.IsDefined(Mode))
        {
            yield return new ValidationResult($"Retrieval:Mode must be one of {string.Join(", ", Enum.GetNames<RetrieverKind>())}.", [nameof(Mode)]);
        }
    }
}

/// <summary>Which <see cref="IReranker"/> orders the first stage's candidates.</summary>
public enum RerankerKind
{
    /// <summary>None: the first stage's order (<see cref="RankOrderReranker"/>).</summary>
    None,

    /// <summary>The registered chat model reorders the top candidates (<see cref="LlmReranker"/>).</summary>
    Llm,
}

/// <summary>How hybrid search combines the BM25 and dense candidate lists.</summary>
public enum FusionMethod
{
    /// <summary>Weighted reciprocal rank fusion: Σ weight / (k + rank) over the lists.</summary>
    ReciprocalRank,

    /// <summary>BM25 score over the best BM25 score, cosine min-max normalised over the candidates, weighted sum.</summary>
    NormalizedScore,

    /// <summary>The dense cosine, plus <see cref="RetrievalOptions.RareTermBoost"/> for passages that contain the question's rare exact terms.</summary>
    DenseFirst,
}

/// <summary>BM25 settings; the defaults are the variant that measured best on the dev set.</summary>
public sealed class Bm25Options
{
    /// <summary>English analysis (Porter stemming, possessives, stop words) instead of plain tokenising.</summary>
    public bool Stemming { get; set; } = true;

    /// <summary>Also drop the function words of questions ("how", "what", "does", "can we") as stop words (measured: lowers recall on the dev set).</summary>
    public bool QuestionStopWords { get; set; }

    /// <summary>
    /// Weight of a title match relative to an abstract match; 0 leaves titles out of BM25. Cross-validated with
    /// <see cref="K1"/> and <see cref="B"/> in the shipped fusion over three question sets (Retrieval/README.md): the
    /// folds chose 0 or 0.125; 0.125, so a term found only in a title (a note's file name) still matches.
    /// </summary>
    [Range(0.0, 20.0)]
    public float TitleBoost { get; set; } = 0.125f;

    /// <summary>BM25 term-frequency saturation (cross-validated: 1.2 in every fold).</summary>
    [Range(0.0, 5.0)]
    public float K1 { get; set; } = 1.2f;

    /// <summary>BM25 length normalisation (cross-validated: 0.25 to 0.5 by fold, 0.5 on all questions; Lucene's default is 0.75).</summary>
    [Range(0.0, 1.0)]
    public float B { get; set; } = 0.5f;

    /// <summary>How query terms weigh in the lexical RelevanceScore (the share of the query a passage covers).</summary>
    public RelevanceWeighting RelevanceWeighting { get; set; } = RelevanceWeighting.Idf;

    /// <summary>Pseudo-relevance feedback: top documents whose terms expand the query (0 turns it off).</summary>
    [Range(0, 50)]
    public int FeedbackDocuments { get; set; }

    /// <summary>Pseudo-relevance feedback: expansion terms added.</summary>
    [Range(0, 100)]
    public int FeedbackTerms { get; set; } = 10;

    /// <summary>Pseudo-relevance feedback: weight of an expansion term relative to a query term.</summary>
    [Range(0.0, 1.0)]
    public float FeedbackWeight { get; set; } = 0.3f;
}

/// <summary>Term weights of the lexical RelevanceScore.</summary>
public enum RelevanceWeighting
{
    /// <summary>Each query term weighs its IDF.</summary>
    Idf,

    /// <summary>
    /// Each query term weighs IDF²: rare, topic-bearing words dominate. Measured on the dev set it separates the
    /// unanswerable questions better (27/30 correct at threshold 0.158, vs 25/30 for IDF, which cannot beat
    /// answering everything), at the price of lower values for paraphrased questions.
    /// </summary>
    IdfSquared,
}
