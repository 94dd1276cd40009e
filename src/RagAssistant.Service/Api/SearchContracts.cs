using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Api;

/// <summary>Body of <c>POST /api/search</c>.</summary>
/// <param name="Mode">bm25, dense or hybrid; null uses the configured default.</param>
public sealed record SearchRequest(string? Query, int? TopK = null, RetrieverKind? Mode = null)
{
    internal const string Example = """{"query": "speculative decoding", "topK": 5, "mode": "hybrid"}""";
}

/// <summary>Answer of <c>POST /api/search</c>.</summary>
public sealed record SearchResponse(string Query, RetrieverKind Mode, string? Notice, IReadOnlyList<SearchHit> Hits)
{
    internal static SearchResponse From(RetrievalResult result) => new(
        result.Query,
        result.Mode,
        result.Notice,
        [.. result.Hits.Select((hit, i) => new SearchHit(
            i + 1,
            hit.Paper.Id,
            hit.Paper.Title,
            hit.Paper.Date,
            hit.Paper.SourceFile,
            hit.Passage.Id,
            hit.Passage.Text,
            hit.Score,
            hit.RelevanceScore,
            hit.Bm25Rank,
            hit.DenseRank)
        {
            SourceFiles = hit.Paper.SourceFiles,
        })]);
}

/// <summary>One search hit: the passage, its paper, and how each retriever ranked it.</summary>
public sealed record SearchHit(
    int Rank,
    string PaperId,
    string Title,
    string? Date,
    string SourceFile,
    string PassageId,
    string Text,
    double Score,
    double RelevanceScore,
    int? Bm25Rank,
    int? DenseRank)
{
    /// <summary>Every file holding the paper (identical copies are one paper), <see cref="SourceFile"/> first.</summary>
    public IReadOnlyList<string> SourceFiles { get; init; } = [SourceFile];
}
