using RagAssistant.Core.Evidence;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Evaluation;

/// <summary>How the pipeline did on one question.</summary>
/// <param name="Id">The question's id in the dev set.</param>
/// <param name="Kind">The question's kind in the dev set (e.g. "paraphrase", "unanswerable").</param>
/// <param name="Answerable">False for questions no paper answers (no gold titles).</param>
/// <param name="ValidCitations">Distinct cited numbers that name an offered source.</param>
/// <param name="InvalidCitations">Distinct cited numbers that name no offered source.</param>
/// <param name="Refused">True when the answer is a refusal (the refusal phrase, or retrieval found nothing relevant).</param>
/// <param name="GoldCited">True when the answer cites a paper whose normalised title is a gold title.</param>
/// <param name="Timings">How long retrieval, the first token and the whole answer took.</param>
/// <param name="Error">Why the question could not be answered, else null.</param>
public sealed record AnswerEvalOutcome(
    string Id,
    string Kind,
    bool Answerable,
    bool Refused,
    int ValidCitations,
    int InvalidCitations,
    bool GoldCited,
    AnswerTimings Timings,
    string? Error)
{
    /// <summary>How many of the answer's claims got each verdict.</summary>
    public GroundingSummary Grounding { get; init; } = new(0, 0, 0, 0, 0);
}

/// <summary>The answer-quality summary of a dev set.</summary>
/// <param name="Mode">Generated (a chat model answered) or retrieval-only (sentences were extracted).</param>
/// <param name="UnanswerableRefused">Share of unanswerable questions refused (higher is better).</param>
/// <param name="AnswerableRefused">Share of answerable questions refused (lower is better).</param>
/// <param name="ValidCitationShare">Cited numbers that name offered sources, over all cited numbers; null when nothing was cited.</param>
/// <param name="GoldCitedShare">Answerable questions whose answer cites a gold paper.</param>
/// <param name="MedianTimings">Median of each timing over the answered questions.</param>
/// <param name="Outcomes">One outcome per question, in dev-set order.</param>
public sealed record AnswerEvalReport(
    AnswerMode Mode,
    double UnanswerableRefused,
    double AnswerableRefused,
    double? ValidCitationShare,
    double GoldCitedShare,
    AnswerTimings MedianTimings,
    IReadOnlyList<AnswerEvalOutcome> Outcomes)
{
    /// <summary>The verdicts of every answer's claims, added up over the questions.</summary>
    public GroundingSummary Grounding => new(
        Outcomes.Sum(o => o.Grounding.Claims),
        Outcomes.Sum(o => o.Grounding.Supported),
        Outcomes.Sum(o => o.Grounding.Partly),
        Outcomes.Sum(o => o.Grounding.Unsupported),
        Outcomes.Sum(o => o.Grounding.Uncited));
}
