using Microsoft.Extensions.Logging;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Evaluation;

/// <summary>Runs dev-set questions through the whole answer pipeline and scores refusals, citations and timings.</summary>
public sealed partial class AnswerEvaluator(IAnswerPipeline pipeline, ILogger<AnswerEvaluator> logger)
{
    /// <summary>Answers every question in order and summarises; a question that fails is recorded with its error, not thrown.</summary>
    public async Task<AnswerEvalReport> EvaluateAsync(
        IReadOnlyList<EvalQuestion> questions,
        IProgress<AnswerEvalOutcome>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(questions);
        var outcomes = new List<AnswerEvalOutcome>(questions.Count);
        var mode = AnswerMode.Generated;
        foreach (var question in questions)
        {
            AnswerEvalOutcome outcome;
            try
            {
                var result = await pipeline.AnswerAsync(new AnswerRequest(question.Question), cancellationToken).ConfigureAwait(false);
                // A not-covered answer says nothing about how the others are produced.
                mode = result.Mode == AnswerMode.NotCovered ? mode : result.Mode;
                var gold = question.GoldTitles.Select(PaperIdentity.NormalizeTitle).ToHashSet(StringComparer.Ordinal);
                outcome = new AnswerEvalOutcome(
                    question.Id,
                    question.Kind,
                    !question.IsUnanswerable,
                    result.Refused,
                    result.Citations.Count,
                    result.InvalidCitations.Count,
                    result.Citations.Any(c => gold.Contains(PaperIdentity.NormalizeTitle(c.Title))),
                    result.Timings,
                    Error: null)
                {
                    Grounding = result.Grounding,
                };
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                Log.QuestionFailed(logger, question.Id, ex);
                outcome = new AnswerEvalOutcome(question.Id, question.Kind, !question.IsUnanswerable, false, 0, 0, false, new AnswerTimings(0, 0, 0, 0), ex.Message);
            }

            outcomes.Add(outcome);
            progress?.Report(outcome);
        }

        return Summarize(mode, outcomes);
    }

    internal static AnswerEvalReport Summarize(AnswerMode mode, IReadOnlyList<AnswerEvalOutcome> outcomes)
    {
        var unanswerable = outcomes.Where(o => !o.Answerable).ToList();
        var answerable = outcomes.Where(o => o.Answerable).ToList();
        var valid = outcomes.Sum(o => o.ValidCitations);
        var cited = valid + outcomes.Sum(o => o.InvalidCitations);
        var answered = outcomes.Where(o => o.Error is null).Select(o => o.Timings).ToList();
        var medians = new AnswerTimings(
            Median(answered.Select(t => t.RetrievalMs)),
            Median(answered.Select(t => t.TimeToFirstTokenMs)),
            Median(answered.Select(t => t.GenerationMs)),
            Median(answered.Select(t => t.TotalMs)))
        {
            RewriteMs = Median(answered.Select(t => t.RewriteMs)),
            PromptMs = Median(answered.Select(t => t.PromptMs)),
        };
        return new AnswerEvalReport(
            mode,
            Share(unanswerable, o => o.Refused),
            Share(answerable, o => o.Refused),
            cited == 0 ? null : (double)valid / cited,
            Share(answerable, o => o.GoldCited),
            medians,
            outcomes);
    }

    private static double Share(List<AnswerEvalOutcome> group, Func<AnswerEvalOutcome, bool> predicate) =>
        group.Count == 0 ? 0 : (double)group.Count(predicate) / group.Count;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return 0;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Eval question {Id} failed")]
        public static partial void QuestionFailed(ILogger logger, string id, Exception exception);
    }
}
