using RagAssistant.Console.Commands;
using RagAssistant.Core.Evaluation;

namespace RagAssistant.Console.Tests.Commands;

/// <summary>What <c>eval</c> advises about <c>Answering:MinRelevance</c> from a set's top-hit relevances.</summary>
public sealed class RefusalAdviceTests
{
    private static RelevanceSeparation Separation(double[] answerable, double[] unanswerable, double best)
    {
        var accepted = unanswerable.Count(v => v >= best);
        var refused = answerable.Count(v => v < best);
        return new(Distribution(answerable), Distribution(unanswerable), best, 1 - ((double)(accepted + refused) / (answerable.Length + unanswerable.Length)), refused, accepted);
    }

    private static ScoreDistribution Distribution(double[] values) => new(values.Min(), values.Order().ElementAt(values.Length / 2), values.Max(), values.Order().ToList());

    [Fact]
    public void A_threshold_that_would_answer_more_uncovered_questions_than_now_is_not_suggested()
    {
        // The reworded set's shape: the within-5% threshold is near 0, which would answer every uncovered question.
        var separation = Separation([0.01, 0.05, 0.1, 0.12, 0.3, 0.5, 0.6, 0.7], [0.0, 0.05, 0.11, 0.2], best: 0.005);

        var advice = EvalCommand.RefusalAdvice(separation, 0.15);

        Assert.Contains("Answering:MinRelevance (the relevance below which a question is refused as not covered) is 0.15: keep it.", advice, StringComparison.Ordinal);
        Assert.Contains("at 0.15 the top hit refuses 4 of 8 answerable and 3 of 4 unanswerable questions", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("--Answering:MinRelevance=", advice, StringComparison.Ordinal);
    }

    [Fact]
    public void A_threshold_that_refuses_at_least_as_many_uncovered_questions_is_suggested_with_how_to_set_it()
    {
        var separation = Separation([0.3, 0.5, 0.6, 0.7], [0.1, 0.2, 0.25], best: 0.275);

        var advice = EvalCommand.RefusalAdvice(separation, 0.15);

        Assert.Contains("pass --Answering:MinRelevance=0.275 for one run", advice, StringComparison.Ordinal);
        Assert.Contains("\"Answering\": { \"MinRelevance\": 0.275 }", advice, StringComparison.Ordinal);
    }

    [Fact]
    public void A_best_threshold_within_a_hundredth_of_the_setting_is_not_worth_a_change()
    {
        var separation = Separation([0.3, 0.5, 0.6], [0.1, 0.2], best: 0.149);

        var advice = EvalCommand.RefusalAdvice(separation, 0.15);

        Assert.EndsWith("is 0.15, within 0.01 of the best threshold on this set (0.149): keep it.", advice, StringComparison.Ordinal);
    }

    [Fact]
    public void The_configured_threshold_when_it_is_the_best_is_said_to_be_so()
    {
        var separation = Separation([0.3, 0.5], [0.1], best: 0.15);

        Assert.EndsWith("is 0.15 already: the best threshold on this set.", EvalCommand.RefusalAdvice(separation, 0.15), StringComparison.Ordinal);
    }
}
