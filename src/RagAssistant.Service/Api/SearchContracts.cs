using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Api;

/// <summary>
/// Body of <c>POST /api/search</c>, snake_case like every body of the API (<c>top_k</c>), and named like
/// <c>/api/ask</c>'s: the text is <c>question</c>. A property the API does not know is refused (400), so a misspelt
/// <c>topK</c> is not silently ignored.
/// </summary>
/// <param name="Question">The search text, 1 to <c>Ask:MaxQuestionChars</c> characters.</param>
/// <param name="TopK">How many hits, 1 to <c>Ask:MaxTopK</c>; null uses <c>Retrieval:TopK</c>.</param>
/// <param name="Mode">bm25, dense or hybrid; null uses the configured default.</param>
/// <param name="Query">Deprecated alias of <paramref name="Question"/> (the name before it matched <c>/api/ask</c>), still accepted so older clients keep working; giving both is refused.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SearchRequest(string? Question = null, [property: JsonPropertyName("top_k"), JsonConverter(typeof(WholeNumberJsonConverter))] long? TopK = null, RetrieverKind? Mode = null, string? Query = null) : IValidatableObject
{
    /// <summary>Shown in error messages.</summary>
    internal const string Example = """{"question": "speculative decoding", "top_k": 5, "mode": "hybrid"}""";

    /// <summary>The search text, whichever name carried it; null when neither did.</summary>
    internal string? Text => Question ?? Query;

    /// <summary>Refuses a body that gives the search text under both names.</summary>
    /// <param name="validationContext">The endpoint's validation.</param>
    /// <returns>The one fault, or none.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Question is not null && Query is not null)
        {
            yield return new ValidationResult("Give the search text once, as question (query is its deprecated older name), not both.", [nameof(Query)]);
        }
    }
}

/// <summary>Answer of <c>POST /api/search</c>, snake_case like the answers of <c>/api/ask</c>.</summary>
/// <param name="Question">The question as searched (trimmed), named as in the request and in <c>/api/ask</c>'s answer.</param>
/// <param name="Mode">The retriever that ran: <c>bm25</c>, <c>dense</c> or <c>hybrid</c>.</param>
/// <param name="Notice">Why retrieval ran differently than asked (e.g. BM25 only while vectors are computed), or null.</param>
/// <param name="Hits">The hits, best first.</param>
internal sealed record SearchResponse(string Question, string Mode, string? Notice, IReadOnlyList<SearchHit> Hits)
{
    internal static SearchResponse From(RetrievalResult result) => new(
        result.Query,
        result.Mode.ToString().ToLowerInvariant(),
        result.Notice,
        [.. result.Hits.Select((hit, i) => new SearchHit(
            i + 1,
            hit.Paper.Id,
            hit.Paper.Title,
            hit.Paper.Date,
            hit.Paper.SourceFile,
            hit.Passage.Id,
            hit.Passage.Text,
            Math.Round(hit.Score, 4),
            Math.Round(hit.RelevanceScore, 4),
            hit.Bm25Rank,
            hit.DenseRank)
        {
            SourceFiles = hit.Paper.SourceFiles,
            SecondDenseRank = hit.SecondDenseRank,
        })]);
}

/// <summary>One search hit: the passage, its paper, and how each retriever ranked it.</summary>
/// <param name="Rank">1 for the best hit.</param>
/// <param name="PaperId">The paper's id, as in <c>/api/papers/{id}</c> and the <c>paper_id</c> of an answer's sources.</param>
/// <param name="Title">The paper's title.</param>
/// <param name="Date">The paper's date as the corpus gives it, or null.</param>
/// <param name="SourceFile">The file the paper was read from.</param>
/// <param name="PassageId">The passage's id.</param>
/// <param name="Text">The passage.</param>
/// <param name="Score">The fused (or single-retriever) ranking score, to 4 decimals; higher is better.</param>
/// <param name="RelevanceScore">Relevance in [0, 1], to 4 decimals, as the <c>relevance_score</c> of an answer's sources.</param>
/// <param name="Bm25Rank">The passage's BM25 rank, or null when BM25 did not find it.</param>
/// <param name="DenseRank">The passage's dense-vector rank, or null when dense search did not run or find it.</param>
internal sealed record SearchHit(
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

    /// <summary>The passage's rank by the second dense retriever (<c>Retrieval:SecondDenseWeight</c>), or null when it did not run or find it.</summary>
    public int? SecondDenseRank { get; init; }
}
