using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

public sealed class RefusalDetectorTests
{
    private const string Phrase = "The provided sources do not answer this question.";

    [Theory]
    [InlineData("The provided sources do not answer this question.")]
    [InlineData("  the provided sources do NOT answer this question  ")]
    [InlineData("\"The provided sources do not answer this question!\"")]
    [InlineData("The provided sources do not answer this question. [1]")]
    [InlineData("Sorry. The provided sources do not answer this question.")]
    public void Fixed_phrase_is_recognised_whatever_surrounds_it(string answer) =>
        Assert.True(RefusalDetector.IsRefusal(answer, Phrase));

    [Theory]
    [InlineData("The densing law says capacity density doubles every three months [1].")]
    [InlineData("")]
    [InlineData("The provided sources do not answer this question. However, paper [1] reports that capacity density doubles about every three months, and [2] confirms the trend for open-source models in detail.")]
    public void Answers_are_not_refusals(string answer) =>
        Assert.False(RefusalDetector.IsRefusal(answer, Phrase));
}
