using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Evaluation;

namespace RagAssistant.Hosting.Contract;

/// <summary>
/// The one wire contract for answers, snake_case, used by every front end: <c>ask --json</c>, the JSON answer of
/// <c>/api/ask</c> and its Server-Sent Events. An answer is <c>question</c>, <c>answer</c>, <c>citations</c>,
/// <c>sources</c>, <c>invalid_citations</c>, <c>refused</c>, <c>mode</c> (<c>generated</c> | <c>retrieval-only</c> |
/// <c>not-covered</c>),
/// <c>finish_reason</c> (<c>stop</c> | <c>length</c>), <c>usage</c> (<c>prompt_tokens</c>, <c>completion_tokens</c>
/// and, when the runtime reports it, <c>cached_prompt_tokens</c>), <c>timings_ms</c> and, when retrieval ran
/// differently than configured, <c>retrieval_notice</c>; then <c>claims</c> (each <c>text</c>, <c>cited</c>,
/// <c>verdict</c> (<c>supported</c> | <c>partly</c> | <c>unsupported</c> | <c>uncited</c>), <c>evidence</c> (<c>n</c>,
/// <c>sentence</c>, <c>score</c>) and <c>suggested</c>) and <c>grounding</c> (the count of each verdict; <c>null</c>
/// for a <c>retrieval-only</c> answer, whose claims are its quotes and were not checked). The SSE <c>done</c> event carries exactly that object; the
/// <c>token</c>, <c>claim</c>, <c>sources</c> and <c>error</c> events are <see cref="TokenEventDocument"/>,
/// <see cref="ClaimDocument"/>, <see cref="SourcesEventDocument"/> and <see cref="ErrorEventDocument"/>. Also the <c>answers</c> block of <c>eval --answers</c>.
/// </summary>
public static class AnswerJson
{
    private static readonly AnswerJsonContext Context = new(CreateOptions(writeIndented: true));

    // One JSON text per event line: Server-Sent Events carry compact JSON.
    private static readonly AnswerJsonContext EventContext = new(CreateOptions(writeIndented: false));

    /// <summary>
    /// Name of the SSE event sent as soon as retrieval has chosen the sources, before any answer text
    /// (<see cref="RetrievedEventDocument"/>), so a client can show them while the model reads them.
    /// </summary>
    public const string RetrievedEvent = "retrieved";

    /// <summary>Name of the SSE event with a piece of answer text (<see cref="TokenEventDocument"/>).</summary>
    public const string TokenEvent = "token";

    /// <summary>Name of the SSE event with one checked claim (<see cref="ClaimDocument"/>), sent as soon as the claim's sentence is complete.</summary>
    public const string ClaimEvent = "claim";

    /// <summary>Name of the SSE event with the citations and sources (<see cref="SourcesEventDocument"/>), sent before <see cref="DoneEvent"/>.</summary>
    public const string SourcesEvent = "sources";

    /// <summary>Name of the last SSE event of a completed answer: the <see cref="AnswerDocument"/>, as the JSON answer.</summary>
    public const string DoneEvent = "done";

    /// <summary>Name of the SSE event that ends a stream that failed (<see cref="ErrorEventDocument"/>).</summary>
    public const string ErrorEvent = "error";

    /// <summary>
    /// The <c>mode</c> value of a result: <c>generated</c>, <c>retrieval-only</c>, or <c>not-covered</c> (no source was
    /// relevant enough: the fixed refusal, without a model call).
    /// </summary>
    public static string ModeName(AnswerMode mode) => mode switch
    {
        AnswerMode.RetrievalOnly => "retrieval-only",
        AnswerMode.NotCovered => "not-covered",
        _ => "generated",
    };

    /// <summary>The <c>finish_reason</c> value of a result, as OpenAI names it: <c>stop</c> or <c>length</c> (cut at the token limit).</summary>
    public static string FinishReasonName(AnswerFinishReason reason) => reason == AnswerFinishReason.Length ? "length" : "stop";

    /// <summary>
    /// Reads back an answer object as <see cref="Serialize(AnswerResult)"/> wrote it (a stored conversation turn's
    /// <c>answer_json</c>; other members, such as <c>conversation_id</c>, are ignored).
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The answer object; null when the text is not one.</returns>
    public static AnswerDocument? Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, Context.AnswerDocument);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The answer as an indented JSON document.</summary>
    public static string Serialize(AnswerResult result) => JsonSerializer.Serialize(ToDocument(result), Context.AnswerDocument);

    /// <summary>The answer as one line of compact JSON: the data of the SSE <c>done</c> event.</summary>
    public static string SerializeEvent(AnswerResult result) => JsonSerializer.Serialize(ToDocument(result), EventContext.AnswerDocument);

    /// <summary>The data of the SSE <c>token</c> event: one line of compact JSON <c>{"text": "..."}</c>.</summary>
    public static string SerializeTokenEvent(string text) => JsonSerializer.Serialize(new TokenEventDocument(text), EventContext.TokenEventDocument);

    /// <summary>The data of the SSE <c>retrieved</c> event: one line of compact JSON (<see cref="RetrievedEventDocument"/>).</summary>
    public static string SerializeRetrievedEvent(SourcesRetrievedUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return JsonSerializer.Serialize(new RetrievedEventDocument(update.SearchQuery, [.. update.Sources.Select(ToDocument)]), EventContext.RetrievedEventDocument);
    }

    /// <summary>The data of the SSE <c>claim</c> event: one line of compact JSON (<see cref="ClaimDocument"/>).</summary>
    public static string SerializeClaimEvent(AnswerClaim claim) => JsonSerializer.Serialize(ToDocument(claim), EventContext.ClaimDocument);

    /// <summary>The <c>verdict</c> value of a claim: <c>supported</c>, <c>partly</c>, <c>unsupported</c> or <c>uncited</c>.</summary>
    public static string VerdictName(ClaimVerdict verdict) => verdict switch
    {
        ClaimVerdict.Supported => "supported",
        ClaimVerdict.Partly => "partly",
        ClaimVerdict.Unsupported => "unsupported",
        _ => "uncited",
    };

    /// <summary>Maps a checked claim to the JSON shape.</summary>
    public static ClaimDocument ToDocument(AnswerClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return new ClaimDocument(claim.Text, claim.Cited, VerdictName(claim.Verdict), [.. claim.Evidence.Select(e => new EvidenceDocument(e.Number, e.Sentence, e.Score))], claim.Suggested);
    }

    /// <summary>Maps a grounding summary to the JSON shape.</summary>
    public static GroundingDocument ToDocument(GroundingSummary grounding)
    {
        ArgumentNullException.ThrowIfNull(grounding);
        return new GroundingDocument(grounding.Claims, grounding.Supported, grounding.Partly, grounding.Unsupported, grounding.Uncited);
    }

    /// <summary>The data of the SSE <c>sources</c> event: one line of compact JSON (<see cref="SourcesEventDocument"/>).</summary>
    public static string SerializeSourcesEvent(AnswerResult result)
    {
        var document = ToDocument(result);
        return JsonSerializer.Serialize(
            new SourcesEventDocument(result.SearchQuery, document.Citations, document.Sources, document.InvalidCitations, document.Refused, document.Mode),
            EventContext.SourcesEventDocument);
    }

    /// <summary>The data of the SSE <c>error</c> event: one line of compact JSON (<see cref="ErrorEventDocument"/>).</summary>
    /// <param name="title">One line that says what happened.</param>
    /// <param name="detail">What happened and what to do.</param>
    /// <param name="status">The HTTP status the error would have had before the stream started (500, 503, 504).</param>
    public static string SerializeErrorEvent(string title, string detail, int status) =>
        JsonSerializer.Serialize(new ErrorEventDocument(title, detail, status), EventContext.ErrorEventDocument);

    /// <summary>
    /// <c>ask --json</c>'s object when the model server failed after some answer text (<see cref="PartialAnswerDocument"/>):
    /// the text is kept, as <c>/api/ask</c> keeps it beside its 502.
    /// </summary>
    /// <param name="error">What the server did.</param>
    /// <param name="partialAnswer">The text it sent before it failed.</param>
    public static string SerializePartialAnswer(string error, string partialAnswer) =>
        JsonSerializer.Serialize(new PartialAnswerDocument(error, partialAnswer), Context.PartialAnswerDocument);

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
            result.Question,
            result.Answer,
            [.. result.Citations.Select(c => new CitationDocument(c.Number, c.PaperId, c.Title))],
            [.. result.Sources.Select(ToDocument)],
            result.InvalidCitations,
            result.Refused,
            ModeName(result.Mode),
            FinishReasonName(result.FinishReason),
            new UsageDocument(result.Usage.PromptTokens, result.Usage.CompletionTokens, result.Usage.CachedPromptTokens),
            ToDocument(result.Timings),
            result.RetrievalNotice)
        {
            Claims = [.. result.Claims.Select(ToDocument)],
            // A retrieval-only answer's claims are its quotes, each its source's own sentence: "N of N supported" would
            // hold by construction, so no count is given (the console says "no claim to check" for the same answer).
            Grounding = result.Mode == AnswerMode.RetrievalOnly ? null : ToDocument(result.Grounding),
            Chat = result.IsChat,
        };
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
                o.Id, o.Kind, o.Refused, o.ValidCitations, o.InvalidCitations, o.GoldCited, Math.Round(o.Timings.TotalMs, 1), o.Error) { Grounding = ToDocument(o.Grounding) })])
        {
            Grounding = GroundingSharesDocument.Of(report.Grounding),
        };
    }

    private static JsonSerializerOptions CreateOptions(bool writeIndented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = writeIndented,

        // Titles and answers keep their accents and scripts readable; the output is JSON text, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static SourceDocument ToDocument(AnswerSource s) => new(s.Number, s.PaperId, s.Title, Math.Round(s.Score, 4), Math.Round(s.Relevance, 4), s.Date);

    private static TimingsDocument ToDocument(AnswerTimings timings) => new(
        Math.Round(timings.RetrievalMs, 1),
        Math.Round(timings.TimeToFirstTokenMs, 1),
        Math.Round(timings.GenerationMs, 1),
        Math.Round(timings.TotalMs, 1));
}

/// <summary>JSON shape of one answer: what <c>ask --json</c> prints, <c>/api/ask</c> returns and its SSE <c>done</c> event carries.</summary>
/// <param name="Question">The question as asked (trimmed).</param>
/// <param name="Answer">The full answer text, with citation markers such as <c>[1]</c>.</param>
/// <param name="Citations">The valid citation markers of the answer, in order of first use.</param>
/// <param name="Sources">Every source offered to the model, numbered as the markers.</param>
/// <param name="InvalidCitations">Marker numbers that name no offered source.</param>
/// <param name="Refused">True when the answer says the papers do not answer the question.</param>
/// <param name="Mode"><c>generated</c>, <c>retrieval-only</c>, or <c>not-covered</c> when no source was relevant enough and the fixed refusal was answered without a model call.</param>
/// <param name="FinishReason"><c>stop</c>, or <c>length</c> when the answer was cut at its token limit.</param>
/// <param name="Usage">Prompt and completion tokens, and the prompt tokens reused from the KV cache when the runtime reports them.</param>
/// <param name="TimingsMs">Where the time went, in milliseconds.</param>
/// <param name="RetrievalNotice">Why retrieval ran differently than configured (e.g. BM25 only while vectors are computed); absent when it did not.</param>
public sealed record AnswerDocument(
    string Question,
    string Answer,
    IReadOnlyList<CitationDocument> Citations,
    IReadOnlyList<SourceDocument> Sources,
    IReadOnlyList<int> InvalidCitations,
    bool Refused,
    string Mode,
    string FinishReason,
    UsageDocument Usage,
    TimingsDocument TimingsMs,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? RetrievalNotice = null)
{
    /// <summary>The answer's claims, each checked against the sources it cites; empty when it makes none.</summary>
    public IReadOnlyList<ClaimDocument> Claims { get; init; } = [];

    /// <summary>
    /// How many claims got each verdict; <c>null</c> for a <c>retrieval-only</c> answer, whose claims are its quotes,
    /// each its source's own sentence (verdict <c>supported</c>, score 1, by construction): no claim was checked.
    /// </summary>
    public GroundingDocument? Grounding { get; init; } = new(0, 0, 0, 0, 0);

    /// <summary>
    /// <c>true</c> when the question was chat (a greeting, thanks, or words to the assistant: nothing was searched and
    /// the answer says what the assistant answers); absent otherwise. Such an answer is also <c>not-covered</c> and
    /// refused, so older clients read it as before.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool Chat { get; init; }
}

/// <summary>
/// JSON shape of a checked claim, also the data of the SSE <c>claim</c> event. "Supported" means the cited source holds
/// a sentence close to the claim; it is not a proof.
/// </summary>
/// <param name="Text">The claim as it appears in the answer, citation markers included.</param>
/// <param name="Cited">The source numbers it cites.</param>
/// <param name="Verdict"><c>supported</c> (every cited source supports it), <c>partly</c> (some do), <c>unsupported</c> (none does) or <c>uncited</c> (it cites nothing).</param>
/// <param name="Evidence">One entry for each cited source, then one for each suggested source.</param>
/// <param name="Suggested">Offered sources it does not cite that support it, best first (for a claim that is not supported).</param>
public sealed record ClaimDocument(string Text, IReadOnlyList<int> Cited, string Verdict, IReadOnlyList<EvidenceDocument> Evidence, IReadOnlyList<int> Suggested);

/// <summary>JSON shape of one source's evidence for a claim.</summary>
/// <param name="N">The source number.</param>
/// <param name="Sentence">The sentence of that source that best supports the claim, verbatim.</param>
/// <param name="Score">The support score in [0, 1], to 2 decimals; 1 for a quote.</param>
public sealed record EvidenceDocument(int N, string Sentence, double Score);

/// <summary>JSON shape of the grounding summary: how many claims got each verdict.</summary>
public sealed record GroundingDocument(int Claims, int Supported, int Partly, int Unsupported, int Uncited);

/// <summary>JSON shape of a citation: the source number as in the answer, and its paper.</summary>
public sealed record CitationDocument(int N, string PaperId, string Title);

/// <summary>
/// JSON shape of an offered source: <c>score</c> is the ranking score the sources are ordered by (as <c>score</c> in
/// <c>/api/search</c>), <c>relevance</c> the [0, 1] relevance the "not covered" gate judges.
/// </summary>
/// <param name="N">The source number, 1-based, as the answer cites it ([n]).</param>
/// <param name="PaperId">The paper's id in the corpus.</param>
/// <param name="Title">The paper's title.</param>
/// <param name="Score">The ranking score (fused for hybrid search, BM25 or cosine for one retriever; higher is better); sources come in descending order of it.</param>
/// <param name="RelevanceScore">The retrieval relevance in [0, 1] that the "not covered" gate compares with Answering:MinRelevance.</param>
/// <param name="Date">The paper's date as the corpus gives it; absent when unknown.</param>
public sealed record SourceDocument(int N, string PaperId, string Title, double Score, double RelevanceScore, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Date = null);

/// <summary>Data of the SSE <c>token</c> event: a piece of answer text, to append to what came before.</summary>
public sealed record TokenEventDocument(string Text);

/// <summary>Data of the SSE <c>retrieved</c> event: the sources the model is about to read, before any answer text.</summary>
/// <param name="SearchQuery">The query retrieval ran (a follow-up is rewritten into a standalone question).</param>
/// <param name="Sources">The offered sources, numbered as the answer will cite them; empty when none was relevant enough.</param>
public sealed record RetrievedEventDocument(string SearchQuery, IReadOnlyList<SourceDocument> Sources);

/// <summary>Data of the SSE <c>sources</c> event, sent once the answer text is complete and before <c>done</c>.</summary>
/// <param name="SearchQuery">The query retrieval ran (a follow-up is rewritten into a standalone question).</param>
/// <param name="Citations">As <see cref="AnswerDocument.Citations"/>.</param>
/// <param name="Sources">As <see cref="AnswerDocument.Sources"/>.</param>
/// <param name="InvalidCitations">As <see cref="AnswerDocument.InvalidCitations"/>.</param>
/// <param name="Refused">As <see cref="AnswerDocument.Refused"/>.</param>
/// <param name="Mode">As <see cref="AnswerDocument.Mode"/>.</param>
public sealed record SourcesEventDocument(
    string SearchQuery,
    IReadOnlyList<CitationDocument> Citations,
    IReadOnlyList<SourceDocument> Sources,
    IReadOnlyList<int> InvalidCitations,
    bool Refused,
    string Mode);

/// <summary>Data of the SSE <c>error</c> event: the stream ends without an answer.</summary>
/// <param name="Title">One line that says what happened.</param>
/// <param name="Detail">What happened and what to do.</param>
/// <param name="Status">The HTTP status the failure would have had before the stream started.</param>
public sealed record ErrorEventDocument(string Title, string Detail, int Status);

/// <summary>An answer the model server cut off: <c>{error, partial_answer}</c>.</summary>
/// <param name="Error">What the server did (the line the console also writes on stderr).</param>
/// <param name="PartialAnswer">The incomplete text it sent before it failed (<c>partial_answer</c>, as in <c>/api/ask</c>'s 502).</param>
public sealed record PartialAnswerDocument(string Error, string PartialAnswer);

/// <summary>JSON shape of token usage: <c>{prompt_tokens, completion_tokens, cached_prompt_tokens?}</c>.</summary>
/// <param name="PromptTokens">Tokens of the prompt (0 when no model was called).</param>
/// <param name="CompletionTokens">Tokens the model wrote (0 when no model was called).</param>
/// <param name="CachedPromptTokens">
/// Prompt tokens the runtime reused from its KV cache instead of processing them again (a follow-up on the same
/// slot, a shared system prompt); absent when the runtime does not report it (no model called, or a server that
/// does not say).
/// </param>
public sealed record UsageDocument(
    int PromptTokens,
    int CompletionTokens,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CachedPromptTokens = null);

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
    IReadOnlyList<AnswerEvalQuestionDocument> PerQuestion)
{
    /// <summary>The verdicts of all answers' claims: their number and the share of each verdict.</summary>
    public GroundingSharesDocument Grounding { get; init; } = new(0, 0, 0, 0, 0);
}

/// <summary>JSON shape of grounding shares over many answers: the number of claims and the share (0 to 1, 3 decimals) of each verdict.</summary>
public sealed record GroundingSharesDocument(int Claims, double Supported, double Partly, double Unsupported, double Uncited)
{
    /// <summary>The shares of <paramref name="grounding"/>; all 0 when there is no claim.</summary>
    public static GroundingSharesDocument Of(GroundingSummary grounding)
    {
        ArgumentNullException.ThrowIfNull(grounding);
        double Share(int count) => grounding.Claims == 0 ? 0 : Math.Round((double)count / grounding.Claims, 3);
        return new(grounding.Claims, Share(grounding.Supported), Share(grounding.Partly), Share(grounding.Unsupported), Share(grounding.Uncited));
    }
}

/// <summary>JSON shape of one evaluated question.</summary>
public sealed record AnswerEvalQuestionDocument(
    string Id,
    string Kind,
    bool Refused,
    int ValidCitations,
    int InvalidCitations,
    bool GoldCited,
    double TotalMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error)
{
    /// <summary>How many of the answer's claims got each verdict.</summary>
    public GroundingDocument Grounding { get; init; } = new(0, 0, 0, 0, 0);
}

[JsonSerializable(typeof(AnswerDocument))]
[JsonSerializable(typeof(AnswerEvalDocument))]
[JsonSerializable(typeof(TokenEventDocument))]
[JsonSerializable(typeof(ClaimDocument))]
[JsonSerializable(typeof(SourcesEventDocument))]
[JsonSerializable(typeof(RetrievedEventDocument))]
[JsonSerializable(typeof(ErrorEventDocument))]
[JsonSerializable(typeof(PartialAnswerDocument))]
internal sealed partial class AnswerJsonContext : JsonSerializerContext;
