using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>A model server that fails the follow-up's rewrite: one warning line with its reason, no stack trace, and the question is still answered.</summary>
public sealed class FollowUpRewriteFailureTests
{
    private const string Reason = "the model server at http://127.0.0.1:1/v1 (ChatModel:Endpoint) answered HTTP 500: rewrite boom";

    [Fact]
    public async Task A_server_failure_while_rewriting_is_one_warning_line_and_the_question_is_searched_with_its_context()
    {
        var logger = new FakeLogger<AnswerPipeline>();
        using var chat = new FailingRewrites(new ScriptedChatClient(["They differ [1]."]));
        var pipeline = PipelineHarness.Create(new FakeRetriever(PipelineHarness.TwoPapers), chat, logger: logger);
        ChatMessage[] history = [new(ChatRole.User, "What is the densing law?"), new(ChatRole.Assistant, "Capacity density doubles every three months [1].")];

        var result = await pipeline.AnswerAsync(new AnswerRequest("and how does it compare to the second one?", history), TestContext.Current.CancellationToken);

        Assert.Equal("They differ [1].", result.Answer);
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Equal($"Rewriting the follow-up failed ({Reason}); searching the question with the last one as context", warning.Message);
        Assert.Null(warning.Exception);
    }

    // The rewrite is the one request that is not streamed.
    private sealed class FailingRewrites(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new ModelServerException(Reason);
    }
}
