namespace RagAssistant.Core.Retrieval;

/// <summary>
/// The RelevanceScore in [0, 1] that the "not covered" gate compares with <c>Answering:MinRelevance</c>. When dense
/// search ran it is the query-passage cosine rescaled from [<see cref="RetrievalOptions.CosineFloor"/>, 1] to [0, 1]
/// (arctic-embed gives even unrelated text about 0.6, so the raw cosine would pass any threshold that suits keyword
/// coverage); when only BM25 ran it is the keyword coverage. Measured on the dev set, mixing keyword coverage into the
/// dense relevance separated unanswerable questions worse: they reuse the corpus's words (Retrieval/README.md).
/// </summary>
internal static class RelevanceGate
{
    /// <summary>The RelevanceScore of a passage with cosine <paramref name="cosine"/> to the query.</summary>
    public static double Semantic(double cosine, double floor) => Math.Clamp((cosine - floor) / (1 - floor), 0, 1);
}
