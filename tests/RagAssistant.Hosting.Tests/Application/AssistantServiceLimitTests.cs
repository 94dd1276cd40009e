using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Hosting.Application;

namespace RagAssistant.Hosting.Tests.Application;

/// <summary>
/// The one check of a question's limits (its text, the source count, the answer token limit), in the application
/// service every front end asks through: each refusal names the input as the front end calls it, and the pipeline
/// is never reached.
/// </summary>
public sealed class AssistantServiceLimitTests
{
    private static (AssistantService Assistant, FakeAnswerPipeline Pipeline) Create(AskOptions? limits = null)
    {
        var pipeline = new FakeAnswerPipeline();
        return (new AssistantService(pipeline, Options.Create(limits ?? new AskOptions())), pipeline);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData(null)]
    [InlineData("\u001b[2J\u001b]0;title\u0007")] // nothing left once its escape sequences are removed
    public void An_empty_question_is_refused_with_a_clear_message(string? question)
    {
        var (assistant, pipeline) = Create();

        var validation = assistant.Validate(question);

        Assert.Null(validation.Request);
        Assert.Equal("The question is empty: give the text of your question.", validation.Error);
        Assert.Empty(pipeline.Requests);
    }

    [Fact]
    public void A_hundred_kilobyte_question_is_refused_with_its_length_and_the_setting()
    {
        var (assistant, _) = Create();

        var validation = assistant.Validate(new string('x', 100_000));

        Assert.Equal("The question is 100,000 characters long; the limit is 4,000 (Ask:MaxQuestionChars). Shorten it.", validation.Error);
    }

    [Fact]
    public void The_question_is_cleaned_of_control_characters_and_trimmed_before_it_is_measured()
    {
        var (assistant, _) = Create(new AskOptions { MaxQuestionChars = 16 });

        var validation = assistant.Validate("  \u001b[31mWhat is RAG?\u001b[0m  ");

        Assert.Equal("What is RAG?", validation.Request!.Question);
    }

    [Theory]
    [InlineData(0, "top_k must be between 1 and 20, got 0. The limit is Ask:MaxTopK.")]
    [InlineData(21, "top_k must be between 1 and 20, got 21. The limit is Ask:MaxTopK.")]
    public void A_source_count_outside_one_to_the_limit_is_refused(int topK, string error)
    {
        var (assistant, _) = Create();

        Assert.Equal(error, assistant.Validate("question", topK: topK).Error);
        Assert.Equal(error, assistant.ValidateSearch("question", topK).Error);
        Assert.Equal(5, assistant.Validate("question", topK: 5).Request!.TopK);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void An_answer_token_limit_below_one_is_refused_under_the_name_the_front_end_gave(int limit)
    {
        var (assistant, _) = Create();

        var error = assistant.Validate("question", maxAnswerTokens: limit, fields: new AskFieldNames(MaxAnswerTokens: "max_completion_tokens")).Error;

        Assert.Equal($"max_completion_tokens must be at least 1, got {limit}. Leave it out to use the server's limit.", error);
        Assert.Equal(100_000, assistant.Validate("question", maxAnswerTokens: 100_000).Request!.MaxAnswerTokens);
    }

    [Fact]
    public void The_command_line_names_its_option_as_typed()
    {
        var (assistant, _) = Create();

        Assert.StartsWith("--top-k must be between 1 and 20", assistant.Validate("question", topK: 0, fields: AskFieldNames.CommandLine).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_refusal_names_the_input_at_fault_as_the_front_end_names_it()
    {
        var (assistant, _) = Create(new AskOptions { MaxHistoryMessages = 1 });
        var fields = new AskFieldNames(Question: "query", MaxAnswerTokens: "max_completion_tokens", History: "messages");
        ChatMessage[] history = [new(ChatRole.User, "one"), new(ChatRole.Assistant, "two")];

        Assert.Equal("query", assistant.Validate(" ", fields: fields).Field);
        Assert.Equal("top_k", assistant.Validate("question", topK: 0, fields: fields).Field);
        Assert.Equal("max_completion_tokens", assistant.Validate("question", maxAnswerTokens: 0, fields: fields).Field);
        Assert.Equal("messages", assistant.Validate("question", history, fields: fields).Field);
        Assert.Null(assistant.Validate("question", fields: fields).Field);
        Assert.Equal("query", assistant.ValidateSearch("", null, fields).Field);
        Assert.Equal("top_k", assistant.ValidateSearch("question", 0, fields).Field);
    }

    [Fact]
    public void A_search_gets_its_text_cleaned_and_an_empty_query_named_as_sent()
    {
        var (assistant, _) = Create();

        Assert.Equal("speculative decoding", assistant.ValidateSearch("  speculative decoding\u0007 ", null).Text);
        Assert.Equal("The query is empty: give the text of your query.", assistant.ValidateSearch(" ", null, new AskFieldNames(Question: "query")).Error);
    }

    [Fact]
    public void History_beyond_the_limit_is_refused_with_the_setting()
    {
        var (assistant, _) = Create(new AskOptions { MaxHistoryMessages = 1 });

        var error = assistant.Validate("question", [new ChatMessage(ChatRole.User, "a"), new ChatMessage(ChatRole.Assistant, "b")]).Error;

        Assert.Equal("The history has 2 messages; the limit is 1 (Ask:MaxHistoryMessages). Send only the latest turns.", error);
    }
}
