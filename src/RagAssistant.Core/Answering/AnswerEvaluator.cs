using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RagAssistant.Core.Corpus;

namespace RagAssistant.Core.Answering;

/// <summary>One dev-set question (a line of <c>dev.jsonl</c>).</summary>
/// <param name="Kind">lexical, paraphrase, multi or unanswerable.</param>
public sealed record AnswerEvalCase(string Id, string Question, IReadOnlyList<string> GoldTitles, string Kind)
{
    /// <summary>The kind of question the corpus cannot answer.</summary>
    public const string UnanswerableKind = "unanswerable";

    /// <summary>False for questions the corpus does not answer.</summary>
    public bool IsAnswerable => !string.Equals(Kind, UnanswerableKind, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads a JSONL file of <c>{id, question, gold_titles, kind}</c> objects; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not such an object; the message names the line.</exception>
    public static IReadOnlyList<AnswerEvalCase> LoadJsonl(string path)
    {
        var cases = new List<AnswerEvalCase>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                var gold = root.TryGetProperty("gold_titles", out var titles) && titles.ValueKind == JsonValueKind.Array
                    ? titles.EnumerateArray().Select(t => t.GetString() ?? string.Empty).ToList()
                    : [];
                cases.Add(new AnswerEvalCase(
                    root.GetProperty("id").GetString() ?? lineNumber.ToString(CultureInfo.InvariantCulture),
                    root.GetProperty("question").GetString() ?? string.Empty,
                    gold,
                    root.TryGetProperty("kind", out var kind) ? kind.GetString() ?? string.Empty : string.Empty));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not an eval question ({ex.Message}).", ex);
            }
        }

        return cases;
    }
}

/// <summary>How the pipeline did on one question.</summary>
/// <param name="ValidCitations">Distinct cited numbers that name an offered source.</param>
/// <param name="InvalidCitations">Distinct cited numbers that name no offered source.</param>
/// <param name="GoldCited">True when the answer cites a paper whose normalised title is a gold title.</param>
/// <param name="Error">Why the question could not be answered, else null.</param>
public sealed record AnswerEvalOutcome(
    string Id,
    string Kind,
    bool Refused,
    int ValidCitations,
    int InvalidCitations,
    bool GoldCited,
    AnswerTimings Timings,
    string? Error);

/// <summary>The answer-quality summary of a dev set.</summary>
/// <param name="UnanswerableRefused">Share of unanswerable questions refused (higher is better).</param>
/// <param name="AnswerableRefused">Share of answerable questions refused (lower is better).</param>
/// <param name="ValidCitationShare">Cited numbers that name offered sources, over all cited numbers; null when nothing was cited.</param>
/// <param name="GoldCitedShare">Answerable questions whose answer cites a gold paper.</param>
/// <param name="MedianTimings">Median of each timing over the answered questions.</param>
public sealed record AnswerEvalReport(
    AnswerMode Mode,
    double UnanswerableRefused,
    double AnswerableRefused,
    double? ValidCitationShare,
    double GoldCitedShare,
    AnswerTimings MedianTimings,
    IReadOnlyList<AnswerEvalOutcome> Outcomes);

/// <summary>Runs dev-set questions through the whole answer pipeline and scores refusals, citations and timings.</summary>
public sealed partial class AnswerEvaluator(IAnswerPipeline pipeline, ILogger<AnswerEvaluator> logger)
{
    /// <summary>Answers every case in order and summarises; a question that fails is recorded with its error, not thrown.</summary>
    public async Task<AnswerEvalReport> EvaluateAsync(
        IReadOnlyList<AnswerEvalCase> cases,
        IProgress<AnswerEvalOutcome>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var outcomes = new List<AnswerEvalOutcome>(cases.Count);
        var mode = AnswerMode.Generated;
        foreach (var evalCase in cases)
        {
            AnswerEvalOutcome outcome;
            try
            {
                var result = await pipeline.AnswerAsync(new AnswerRequest(evalCase.Question), cancellationToken).ConfigureAwait(false);
                mode = result.Mode;
                var gold = evalCase.GoldTitles.Select(PaperIdentity.NormalizeTitle).ToHashSet(StringComparer.Ordinal);
                outcome = new AnswerEvalOutcome(
                    evalCase.Id,
                    evalCase.Kind,
                    result.Refused,
                    result.Citations.Count,
                    result.InvalidCitations.Count,
                    result.Citations.Any(c => gold.Contains(PaperIdentity.NormalizeTitle(c.Title))),
                    result.Timings,
                    Error: null);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                Log.QuestionFailed(logger, evalCase.Id, ex);
                outcome = new AnswerEvalOutcome(evalCase.Id, evalCase.Kind, false, 0, 0, false, new AnswerTimings(0, 0, 0, 0), ex.Message);
            }

            outcomes.Add(outcome);
            progress?.Report(outcome);
        }

        return Summarize(mode, outcomes);
    }

    internal static AnswerEvalReport Summarize(AnswerMode mode, IReadOnlyList<AnswerEvalOutcome> outcomes)
    {
        var unanswerable = outcomes.Where(o => string.Equals(o.Kind, AnswerEvalCase.UnanswerableKind, StringComparison.OrdinalIgnoreCase)).ToList();
        var answerable = outcomes.Except(unanswerable).ToList();
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
