using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary><see cref="QuestionClauses"/>: the coarse clauses hybrid search embeds the first of.</summary>
public sealed class QuestionClausesTests
{
    [Theory]
    [InlineData(
        "Which shared test collection with close to a thousand million tokens of training text was proposed for comparing next-token predictors, and how far did the strongest systems beat the count-based baseline?",
        "Which shared test collection with close to a thousand million tokens of training text was proposed for comparing next-token predictors")]
    [InlineData(
        "Is there a survey that catalogues techniques for adapting huge text networks by updating only a small fraction of their weights and that also measures how much memory they save?",
        "Is there a survey that catalogues techniques for adapting huge text networks by updating only a small fraction of their weights")]
    [InlineData("Which papers study speculative decoding while keeping the output distribution unchanged?", "Which papers study speculative decoding")]
    [InlineData("Which method prunes attention heads; how much accuracy does it keep?", "Which method prunes attention heads")]
    public void A_question_of_two_or_more_clauses_has_the_first_as_its_first_clause(string question, string first)
    {
        Assert.Equal(first, QuestionClauses.First(question));
        Assert.True(QuestionClauses.Split(question).Count >= 2);
    }

    [Theory]
    [InlineData("What is LoRA?")]
    [InlineData("Which papers study speculative decoding?")]
    [InlineData("Does RLHF reduce toxicity, and how?")] // the second part is under four words: one clause
    [InlineData("LoRA, QLoRA and DoRA compared")] // no part of four words or more
    [InlineData("")]
    public void A_question_of_one_clause_is_its_own_first_clause(string question)
    {
        Assert.Null(QuestionClauses.First(question));
        Assert.Equal([question], QuestionClauses.Split(question));
    }
}
