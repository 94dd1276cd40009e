using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>The pipeline's line per answer: the KV-cache part only when the runtime reported its cache use.</summary>
public sealed class AnswerUsageLogTests
{
    [Theory]
    [InlineData(null, "Answered: 100 prompt + 3 completion tokens, 1 sources cited, refused: False")]
    [InlineData(40L, "Answered: 100 prompt (40 from the KV cache) + 3 completion tokens, 1 sources cited, refused: False")]
    public async Task The_answered_line_names_the_kv_cache_only_when_it_was_reported(long? cached, string expected)
    {
        var logger = new FakeLogger<AnswerPipeline>();
        var chat = new ScriptedChatClient(["Density doubles [1]."]) { Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 3, CachedInputTokenCount = cached } };
        var pipeline = PipelineHarness.Create(new FakeRetriever(PipelineHarness.TwoPapers), chat, logger: logger);

        var result = await pipeline.AnswerAsync(new AnswerRequest("How fast does capacity density grow?"), TestContext.Current.CancellationToken);

        var line = Assert.Single(logger.Collector.GetSnapshot(), r => r.Message.StartsWith("Answered:", StringComparison.Ordinal)).Message;
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("(null)", line, StringComparison.Ordinal);

        // The limit the model was given, so a front end can tell its own cut from the server's.
        Assert.Equal(512, result.AnswerTokenLimit);
    }
}
