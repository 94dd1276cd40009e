using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Evaluation;

/// <summary>Recall and MRR over a group of answerable questions.</summary>
public sealed record RetrievalMetrics(
    [property: JsonPropertyName("recall@5")] double RecallAt5,
    [property: JsonPropertyName("recall@10")] double RecallAt10,
    [property: JsonPropertyName("mrr@10")] double MrrAt10,
    [property: JsonPropertyName("questions")] int Questions);

/// <summary>How one question went.</summary>
/// <param name="Id">The question's id in the dev set.</param>
/// <param name="Kind">The question's kind in the dev set (e.g. "paraphrase", "unanswerable").</param>
/// <param name="GoldRanks">1-based rank of each gold paper among the retrieved papers (null: not in the top 10).</param>
/// <param name="RecallAt5">Share of the gold papers in the top 5; null for an unanswerable question.</param>
/// <param name="RecallAt10">Share of the gold papers in the top 10; null for an unanswerable question.</param>
/// <param name="MrrAt10">1 / rank of the first gold paper in the top 10 (0 when none); null for an unanswerable question.</param>
/// <param name="TopRelevance">RelevanceScore of the first hit (0 when nothing was retrieved).</param>
/// <param name="TopTitles">Titles of the retrieved papers, best first.</param>
public sealed record QuestionOutcome(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("gold_ranks")] IReadOnlyList<int?> GoldRanks,
    [property: JsonPropertyName("recall@5")] double? RecallAt5,
    [property: JsonPropertyName("recall@10")] double? RecallAt10,
    [property: JsonPropertyName("mrr@10")] double? MrrAt10,
    [property: JsonPropertyName("top_relevance")] double TopRelevance,
    [property: JsonPropertyName("top_titles")] IReadOnlyList<string> TopTitles);

/// <summary>Distribution of a score over a group of questions.</summary>
public sealed record ScoreDistribution(
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("median")] double Median,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("values")] IReadOnlyList<double> Values);

/// <summary>
/// Whether the top hit's RelevanceScore tells answerable from unanswerable questions: its distribution for each,
/// and the threshold (midway between two observed values) that refuses the most unanswerable questions while refusing
/// at most 5% of the answerable ones.
/// </summary>
public sealed record RelevanceSeparation(
    [property: JsonPropertyName("answerable")] ScoreDistribution Answerable,
    [property: JsonPropertyName("unanswerable")] ScoreDistribution Unanswerable,
    [property: JsonPropertyName("best_threshold")] double BestThreshold,
    [property: JsonPropertyName("accuracy_at_best_threshold")] double AccuracyAtBestThreshold,
    [property: JsonPropertyName("answerable_refused")] int AnswerableRefused,
    [property: JsonPropertyName("unanswerable_accepted")] int UnanswerableAccepted);

/// <summary>The result of evaluating one retriever on a question set.</summary>
public sealed record RetrievalEvalReport(
    [property: JsonPropertyName("set")] string Set,
    [property: JsonPropertyName("retriever")] string Retriever,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("notice")] string? Notice,
    [property: JsonPropertyName("overall")] RetrievalMetrics Overall,
    [property: JsonPropertyName("by_kind")] IReadOnlyDictionary<string, RetrievalMetrics> ByKind,
    [property: JsonPropertyName("unanswerable")] int Unanswerable,
    [property: JsonPropertyName("relevance")] RelevanceSeparation? Relevance,
    [property: JsonPropertyName("problems")] IReadOnlyList<string> Problems,
    [property: JsonPropertyName("questions")] IReadOnlyList<QuestionOutcome> Questions)
{
    /// <summary>The report as JSON: <c>overall</c> and <c>by_kind</c> with <c>recall@5</c>, <c>recall@10</c>, <c>mrr@10</c>, <c>questions</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, EvaluationJsonContext.Default.RetrievalEvalReport);

    /// <summary>A plain-text table of the metrics, for the console.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Retriever: {Retriever} (ran: {Mode}){(Notice is null ? string.Empty : $"  note: {Notice}")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"kind",-14}{"questions",10}{"R@5",8}{"R@10",8}{"MRR@10",8}");
        foreach (var (kind, metrics) in ByKind.Append(new KeyValuePair<string, RetrievalMetrics>("overall", Overall)))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{kind,-14}{metrics.Questions,10}{metrics.RecallAt5,8:F2}{metrics.RecallAt10,8:F2}{metrics.MrrAt10,8:F2}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"{"unanswerable",-14}{Unanswerable,10}   (left out of recall)");
        if (Relevance is { } r)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Top-hit relevance: answerable {r.Answerable.Min:F2}..{r.Answerable.Max:F2} (median {r.Answerable.Median:F2}), unanswerable {r.Unanswerable.Min:F2}..{r.Unanswerable.Max:F2} (median {r.Unanswerable.Median:F2})");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Refusal threshold within 5% of the answerable refused (the one refusing the most unanswerable): {r.BestThreshold:F3}, accuracy {r.AccuracyAtBestThreshold:P0} ({r.AnswerableRefused} answerable refused, {r.UnanswerableAccepted} unanswerable accepted)");
        }

        foreach (var problem in Problems)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"problem: {problem}");
        }

        return text.ToString();
    }

    /// <summary>Maps a retriever kind to its command-line spelling.</summary>
    public static string Name(RetrieverKind kind) => kind.ToString().ToLowerInvariant();
}
