using Microsoft.Extensions.Options;
using RagAssistant.Hosting.Application;

namespace RagAssistant.Console.Tests.Hosting;

/// <summary>The conversation a front end keeps itself (the console chat): turns, their limit, failures, reset.</summary>
public sealed class AssistantConversationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_completed_answer_becomes_the_next_turn_and_only_the_latest_turns_that_fit_are_sent()
    {
        var pipeline = new FakeAnswerPipeline { EchoQuestion = true };
        var conversation = new AssistantService(pipeline, Options.Create(new AskOptions { MaxHistoryMessages = 2 })).StartConversation();

        await AskAsync(conversation, "  first  ");
        await AskAsync(conversation, "second");
        await AskAsync(conversation, "third");

        var requests = pipeline.Requests.ToArray();
        Assert.Empty(requests[0].History!);
        Assert.Equal(["first", FakeAnswerPipeline.AnswerFor("first")], requests[1].History!.Select(m => m.Text));
        Assert.Equal(["second", FakeAnswerPipeline.AnswerFor("second")], requests[2].History!.Select(m => m.Text));
        Assert.Equal(6, conversation.History.Count);
    }

    [Fact]
    public async Task A_failed_answer_leaves_no_turn_and_reset_forgets_them_all()
    {
        var pipeline = new FakeAnswerPipeline();
        var conversation = new AssistantService(pipeline, Options.Create(new AskOptions())).StartConversation();
        await AskAsync(conversation, "answered");

        pipeline.FailAfterFirstToken = new InvalidOperationException("context overflow");
        await Assert.ThrowsAsync<InvalidOperationException>(() => AskAsync(conversation, "failed"));
        Assert.Equal(["answered", "Draft models speed up decoding [1]. See also [7]."], conversation.History.Select(m => m.Text));

        conversation.Reset();
        Assert.Empty(conversation.History);
    }

    [Fact]
    public void A_bad_question_is_refused_with_the_setting_to_change()
    {
        var conversation = new AssistantService(new FakeAnswerPipeline(), Options.Create(new AskOptions { MaxQuestionChars = 16 })).StartConversation();

        var validation = conversation.Validate(new string('q', 17));

        Assert.Null(validation.Request);
        Assert.Contains("Ask:MaxQuestionChars", validation.Error, StringComparison.Ordinal);
    }

    private static async Task AskAsync(AssistantConversation conversation, string question)
    {
        var request = conversation.Validate(question).Request!;
        await foreach (var update in conversation.AskStreamingAsync(request, Ct))
        {
            _ = update;
        }
    }
}
