namespace RagAssistant.Core.Retrieval;

/// <summary>
/// The RelevanceScore in [0, 1] that the "not covered" gate compares with <c>Answering:MinRelevance</c>. When dense
/// search ran and the corpus's sentence vectors are ready, it is how far the passage's best sentence stands above the
/// corpus (<see cref="Sentence"/>); while they are still being embedded, the query-passage cosine rescaled from [<see cref="RetrievalOptions.CosineFloor"/>, 1] to [0, 1]
/// (arctic-embed gives even unrelated text about 0.6, so the raw cosine would pass any threshold that suits keyword
/// coverage), unless the passage matches a rare term of the question exactly (<see cref="Hybrid"/>); when only BM25 ran
/// it is the BM25 relevance. Measured on the dev set, mixing keyword coverage into every dense relevance separated
/// unanswerable questions worse: they reuse the corpus's words (Retrieval/README.md).
/// </summary>
internal static class RelevanceGate
{
    /// <summary>The RelevanceScore of a passage with cosine <paramref name="cosine"/> to the query.</summary>
    public static double Semantic(double cosine, double floor) => Math.Clamp((cosine - floor) / (1 - floor), 0, 1);

    /// <summary>
    /// The RelevanceScore of a passage whose best sentence stands <paramref name="standardScore"/> standard deviations
    /// above the corpus's passages (<see cref="SentenceStanding"/>): the score over <paramref name="scale"/>, clamped
    /// to [0, 1].
    /// </summary>
    public static double Sentence(double standardScore, double scale) => Math.Clamp(standardScore / scale, 0, 1);

    /// <summary>
    /// The scale for <see cref="Sentence"/> of one search: <see cref="RetrievalOptions.SentenceScoreScale"/> when the
    /// best paper stands out from the crowd (<paramref name="standOut"/>, <see cref="SentenceStanding.StandOut"/>, at
    /// least <see cref="RetrievalOptions.StandOutGap"/>, or unknown in a corpus of fewer papers than
    /// <see cref="RetrievalOptions.StandOutRank"/>), the stricter <see cref="RetrievalOptions.CrowdedSentenceScoreScale"/>
    /// when it does not: many papers about alike and none far above them is what an absent topic that reuses the
    /// corpus's words looks like, so only a sentence standing very high then counts as covering the question.
    /// </summary>
    public static double SentenceScale(double? standOut, RetrievalOptions options) =>
        standOut is not { } gap || gap >= options.StandOutGap ? options.SentenceScoreScale : options.CrowdedSentenceScoreScale;

    /// <summary>
    /// The RelevanceScore of a passage when dense search ran: its <paramref name="semantic"/> relevance (<see cref="Sentence"/>
    /// once the sentence vectors are ready, <see cref="Semantic"/> before), or the passage's BM25 relevance when that
    /// is higher and the passage contains every topic term of the question, one of them rare in the corpus
    /// (<paramref name="exactRareMatch"/>). A short question naming a rare term ("What is LoRA?") embeds poorly, so
    /// its cosine to the very papers named after that term stays near the floor; the exact match is the evidence.
    /// </summary>
    public static double Hybrid(double semantic, double lexical, bool exactRareMatch) =>
        exactRareMatch ? Math.Max(semantic, lexical) : semantic;
}
