using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>The caller's answer-token limit is honoured up to the server's, and a cut answer reports Length.</summary>
public sealed class AnswerTokenLimitTests
{
    private static readonly RetrievedPassage[] Hits =
    [
        FakeRetriever.Hit("Speculative Decoding", "A draft model proposes tokens that the large model verifies in parallel.", 0.9, 1),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1, 1, AnswerFinishReason.Length)]
    [InlineData(5, 5, AnswerFinishReason.Length)]
    [InlineData(100, 20, AnswerFinishReason.Stop)]
    [InlineData(1_000_000, 20, AnswerFinishReason.Stop)]
    public async Task The_model_gets_the_smaller_limit_and_the_result_says_whether_it_was_cut(int requested, int written, AnswerFinishReason reason)
    {
        var chat = new LimitedChatClient(words: 20, reportReason: true);
        var pipeline = PipelineHarness.Create(new FakeRetriever(Hits), chat);

        var result = await pipeline.AnswerAsync(new AnswerRequest("How does speculative decoding work?") { MaxAnswerTokens = requested }, Ct);

        Assert.Equal(Math.Min(requested, new AnsweringOptions().MaxAnswerTokens), chat.MaxOutputTokens);
        Assert.Equal(written, result.Usage.CompletionTokens);
        Assert.Equal(reason, result.FinishReason);
    }

    [Fact]
    public async Task A_client_that_reports_no_reason_is_taken_as_cut_when_it_used_the_whole_budget()
    {
        var pipeline = PipelineHarness.Create(new FakeRetriever(Hits), new LimitedChatClient(words: 20, reportReason: false));
        var whole = PipelineHarness.Create(new FakeRetriever(Hits), new LimitedChatClient(words: 20, reportReason: false));

        var cut = await pipeline.AnswerAsync(new AnswerRequest("How does speculative decoding work?") { MaxAnswerTokens = 3 }, Ct);
        var complete = await whole.AnswerAsync(new AnswerRequest("How does speculative decoding work?") { MaxAnswerTokens = 30 }, Ct);

        Assert.Equal(AnswerFinishReason.Length, cut.FinishReason);
        Assert.Equal(AnswerFinishReason.Stop, complete.FinishReason);
    }

    /// <summary>Writes up to <c>words</c> one-token words, stopping at MaxOutputTokens as a runtime does.</summary>
    private sealed class LimitedChatClient(int words, bool reportReason) : IChatClient
    {
        public int? MaxOutputTokens { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            MaxOutputTokens = options?.MaxOutputTokens;
            var count = Math.Min(words, MaxOutputTokens ?? int.MaxValue);
            for (var i = 0; i < count; i++)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? "word" : " word");
            }

            yield return new ChatResponseUpdate
            {
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = count })],
                FinishReason = reportReason ? (count < words ? ChatFinishReason.Length : ChatFinishReason.Stop) : null,
            };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
