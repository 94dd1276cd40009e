using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Tests.Evaluation;

public sealed class AnswerEvaluatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scores_refusals_citations_and_gold_papers()
    {
        var pipeline = new CannedPipeline(new Dictionary<string, AnswerResult>
        {
            ["q1"] = Result(refused: false, cited: ["Densing Law of LLMs"], invalid: [], totalMs: 100) with
            {
                Claims =
                [
                    new("A", [1], ClaimVerdict.Supported, [], []),
                    new("B", [1], ClaimVerdict.Unsupported, [], []),
                    new("C", [], ClaimVerdict.Uncited, [], []),
                ],
            },
            ["q2"] = Result(refused: true, cited: [], invalid: [], totalMs: 300),
            ["q3"] = Result(refused: false, cited: ["Some Other Paper"], invalid: [9], totalMs: 200) with { Claims = [new("D", [1], ClaimVerdict.Supported, [], [])] },
            ["q4"] = Result(refused: true, cited: [], invalid: [], totalMs: 400),
            ["q5"] = Result(refused: false, cited: ["A Paper Nobody Asked About"], invalid: [], totalMs: 500),
        });
        EvalQuestion[] cases =
        [
            new("d1", "q1", ["DENSING law of LLMs!"], "lexical"),
            new("d2", "q2", ["Scaling Law with Learning Rate Annealing"], "paraphrase"),
            new("d3", "q3", ["Densing Law of LLMs"], "multi"),
            new("u1", "q4", [], "unanswerable"),
            new("u2", "q5", [], "unanswerable"),
        ];
        var evaluator = new AnswerEvaluator(pipeline, NullLogger<AnswerEvaluator>.Instance);

        var report = await evaluator.EvaluateAsync(cases, cancellationToken: Ct);

        Assert.Equal(0.5, report.UnanswerableRefused);
        Assert.Equal(1.0 / 3, report.AnswerableRefused, 6);
        Assert.Equal(3.0 / 4, report.ValidCitationShare);
        Assert.Equal(1.0 / 3, report.GoldCitedShare, 6);
        Assert.Equal(300, report.MedianTimings.TotalMs);
        Assert.True(report.Outcomes[0].GoldCited);

        Assert.Equal(5, report.Outcomes.Count);

        // The grounding: the claims of every answer, by verdict (the shares are the wire contract's, in Hosting).
        Assert.Equal(new GroundingSummary(4, 2, 0, 1, 1), report.Grounding);
        Assert.Equal(3, report.Outcomes[0].Grounding.Claims);
    }

    [Fact]
    public async Task Question_that_fails_is_recorded_not_thrown()
    {
        var evaluator = new AnswerEvaluator(new CannedPipeline([]), NullLogger<AnswerEvaluator>.Instance);

        var report = await evaluator.EvaluateAsync([new EvalQuestion("d1", "unknown", [], "lexical")], cancellationToken: Ct);

        Assert.NotNull(Assert.Single(report.Outcomes).Error);
        Assert.Null(report.ValidCitationShare);
    }

    private static AnswerResult Result(bool refused, string[] cited, int[] invalid, double totalMs) => new(
        "q",
        "q",
        "a",
        [.. cited.Select((title, i) => new AnswerCitation(i + 1, "id" + i, title))],
        [],
        invalid,
        refused,
        AnswerMode.Generated,
        new AnswerUsage(0, 0),
        new AnswerTimings(1, 2, 3, totalMs));

    private sealed class CannedPipeline(Dictionary<string, AnswerResult> results) : IAnswerPipeline
    {
        public Task<AnswerResult> AnswerAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
            results.TryGetValue(request.Question, out var result)
                ? Task.FromResult(result)
                : throw new ArgumentException("unknown question");

        public async IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new AnswerCompletedUpdate(await AnswerAsync(request, cancellationToken));
        }
    }
}
