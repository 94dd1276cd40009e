using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The JSON every front end prints or returns for an answer (<c>ask --json</c>, the service): <c>answer</c>,
/// <c>citations</c>, <c>sources</c>, <c>invalid_citations</c>, <c>refused</c>, <c>mode</c> (<c>generated</c> |
/// <c>retrieval-only</c>), <c>finish_reason</c> (<c>stop</c> | <c>length</c>), <c>usage</c>, <c>timings_ms</c>; and the <c>answers</c> block of <c>eval --answers</c>.
/// </summary>
public static class AnswerJson
{
    private static readonly AnswerJsonContext Context = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,

        // Titles and answers keep their accents and scripts readable; the output is JSON text, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>The <c>mode</c> value of a result.</summary>
    public static string ModeName(AnswerMode mode) => mode == AnswerMode.RetrievalOnly ? "retrieval-only" : "generated";

    /// <summary>The <c>finish_reason</c> value of a result, as OpenAI names it: <c>stop</c> or <c>length</c> (cut at the token limit).</summary>
    public static string FinishReasonName(AnswerFinishReason reason) => reason == AnswerFinishReason.Length ? "length" : "stop";

    /// <summary>The answer as an indented JSON document.</summary>
    public static string Serialize(AnswerResult result) => JsonSerializer.Serialize(ToDocument(result), Context.AnswerDocument);

    /// <summary>The answer as a JSON node, to embed in a larger document.</summary>
    public static JsonNode ToJsonNode(AnswerResult result) => JsonSerializer.SerializeToNode(ToDocument(result), Context.AnswerDocument)!;

    /// <summary>The evaluation summary (the <c>answers</c> block of <c>eval --answers</c>) as an indented JSON document.</summary>
    public static string Serialize(AnswerEvalReport report) => JsonSerializer.Serialize(ToDocument(report), Context.AnswerEvalDocument);

    /// <summary>The evaluation summary as a JSON node, to embed as <c>answers</c> in the eval output.</summary>
    public static JsonNode ToJsonNode(AnswerEvalReport report) => JsonSerializer.SerializeToNode(ToDocument(report), Context.AnswerEvalDocument)!;

    /// <summary>Maps a result to the JSON shape.</summary>
    public static AnswerDocument ToDocument(AnswerResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new AnswerDocument(
            result.Answer,
            [.. result.Citations.Select(c => new CitationDocument(c.Number, c.PaperId, c.Title))],
            [.. result.Sources.Select(s => new SourceDocument(s.Number, s.PaperId, s.Title, Math.Round(s.Score, 4)))],
            result.InvalidCitations,
            result.Refused,
            ModeName(result.Mode),
            FinishReasonName(result.FinishReason),
            new UsageDocument(result.Usage.PromptTokens, result.Usage.CompletionTokens),
            ToDocument(result.Timings),
            result.RetrievalNotice);
    }

    /// <summary>Maps an evaluation report to the JSON shape.</summary>
    public static AnswerEvalDocument ToDocument(AnswerEvalReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new AnswerEvalDocument(
            report.Outcomes.Count,
            ModeName(report.Mode),
            report.UnanswerableRefused,
            report.AnswerableRefused,
            report.ValidCitationShare,
            report.GoldCitedShare,
            ToDocument(report.MedianTimings),
            [.. report.Outcomes.Select(o => new AnswerEvalQuestionDocument(
                o.Id, o.Kind, o.Refused, o.ValidCitations, o.InvalidCitations, o.GoldCited, Math.Round(o.Timings.TotalMs, 1), o.Error))]);
    }

    private static TimingsDocument ToDocument(AnswerTimings timings) => new(
        Math.Round(timings.RetrievalMs, 1),
        Math.Round(timings.TimeToFirstTokenMs, 1),
        Math.Round(timings.GenerationMs, 1),
        Math.Round(timings.TotalMs, 1));
}

/// <summary>JSON shape of one answer.</summary>
public sealed record AnswerDocument(
    string Answer,
    IReadOnlyList<CitationDocument> Citations,
    IReadOnlyList<SourceDocument> Sources,
    IReadOnlyList<int> InvalidCitations,
    bool Refused,
    string Mode,
    string FinishReason,
    UsageDocument Usage,
    TimingsDocument TimingsMs,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? RetrievalNotice = null);

/// <summary>JSON shape of a citation: the source number as in the answer, and its paper.</summary>
public sealed record CitationDocument(int N, string PaperId, string Title);

/// <summary>JSON shape of an offered source; <c>score</c> is the retrieval relevance in [0, 1].</summary>
public sealed record SourceDocument(int N, string PaperId, string Title, double Score);

/// <summary>JSON shape of token usage.</summary>
public sealed record UsageDocument(int PromptTokens, int CompletionTokens);

/// <summary>JSON shape of timings, in milliseconds.</summary>
public sealed record TimingsDocument(double Retrieval, double FirstToken, double Generation, double Total);

/// <summary>JSON shape of the <c>answers</c> block of <c>eval --answers</c>.</summary>
public sealed record AnswerEvalDocument(
    int Questions,
    string Mode,
    double UnanswerableRefused,
    double AnswerableRefused,
    double? ValidCitationShare,
    double GoldCitedShare,
    TimingsDocument MedianTimingsMs,
    IReadOnlyList<AnswerEvalQuestionDocument> PerQuestion);

/// <summary>JSON shape of one evaluated question.</summary>
public sealed record AnswerEvalQuestionDocument(
    string Id,
    string Kind,
    bool Refused,
    int ValidCitations,
    int InvalidCitations,
    bool GoldCited,
    double TotalMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

[JsonSerializable(typeof(AnswerDocument))]
[JsonSerializable(typeof(AnswerEvalDocument))]
internal sealed partial class AnswerJsonContext : JsonSerializerContext;
