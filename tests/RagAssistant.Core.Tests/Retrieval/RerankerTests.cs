using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>The second stage: the default keeps the order; the LLM reranker follows the chat model's reply, safely (a failing model server is one warning line, the order kept).</summary>
public sealed class RerankerTests
{
    private const string Question = "Which papers study speculative decoding?";
    private const string ServerFailure = "the model server at http://127.0.0.1:1/v1 (ChatModel:Endpoint) answered HTTP 500: rerank boom";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_default_registration_keeps_the_order_and_Llm_registers_the_LLM_reranker()
    {
        using var plain = Build([]);
        using var llm = Build(new() { ["Retrieval:Reranker"] = "Llm" });

        Assert.IsType<RankOrderReranker>(plain.GetRequiredService<IReranker>());
        Assert.IsType<LlmReranker>(llm.GetRequiredService<IReranker>());
    }

    [Fact]
    public async Task The_LLM_reranker_reorders_the_candidates_deeper_than_top_k_and_the_cut_comes_after()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var first = await Retriever(index, null).SearchAsync(Question, 10, RetrieverKind.Bm25, Ct);
        var chat = new ScriptedChatClient(["7, 2"]);

        var reranked = await Retriever(index, chat).SearchAsync(Question, 3, RetrieverKind.Bm25, Ct);

        Assert.Equal([first.Hits[6].Paper.Id, first.Hits[1].Paper.Id, first.Hits[0].Paper.Id], reranked.Hits.Select(h => h.Paper.Id));
        var prompt = chat.Calls.Single().Messages[^1].Text;
        Assert.Contains($"[7] {first.Hits[6].Paper.Title}", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("[11]", prompt, StringComparison.Ordinal); // RerankerCandidates = 10
    }

    [Theory]
    [InlineData("I cannot rank these.")]
    [InlineData("99, 0")]
    public async Task A_reply_without_usable_numbers_keeps_the_first_stage_order(string reply)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var first = await Retriever(index, null).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        var reranked = await Retriever(index, new ScriptedChatClient([reply])).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        Assert.Equal(first.Hits.Select(h => h.Paper.Id), reranked.Hits.Select(h => h.Paper.Id));
    }

    [Fact]
    public async Task A_failing_chat_model_or_none_keeps_the_first_stage_order()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var first = await Retriever(index, null).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        var failing = await Retriever(index, new ScriptedChatClient()).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct); // no reply left: throws
        var none = await new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), reranker: new LlmReranker(new ServiceCollection().BuildServiceProvider(), Options.Create(new RetrievalOptions())))
            .SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        Assert.Equal(first.Hits.Select(h => h.Paper.Id), failing.Hits.Select(h => h.Paper.Id));
        Assert.Equal(first.Hits.Select(h => h.Paper.Id), none.Hits.Select(h => h.Paper.Id));
    }

    [Fact]
    public async Task A_chat_server_failing_the_reranker_is_one_warning_line_and_the_first_stage_order_is_kept()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var first = await Retriever(index, null).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);
        var logger = new FakeLogger<LlmReranker>();

        var reranked = await Retriever(index, new FailingChat(new ModelServerException(ServerFailure)), logger).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        Assert.Equal(first.Hits.Select(h => h.Paper.Id), reranked.Hits.Select(h => h.Paper.Id));
        var warning = Assert.Single(logger.Collector.GetSnapshot(), e => e.Level > LogLevel.Debug);
        Assert.Equal((LogLevel.Warning, $"The LLM reranker failed ({ServerFailure}); the first-stage order is kept", null), (warning.Level, warning.Message, warning.Exception));
    }

    [Fact]
    public async Task A_fault_of_the_assistant_in_the_reranker_keeps_its_stack_trace()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var logger = new FakeLogger<LlmReranker>();

        await Retriever(index, new FailingChat(new InvalidOperationException("a bug")), logger).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        var warning = Assert.Single(logger.Collector.GetSnapshot());
        Assert.IsType<InvalidOperationException>(warning.Exception);
    }

    [Fact]
    public async Task Cancelling_while_reranking_cancels_the_search_and_logs_nothing()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var logger = new FakeLogger<LlmReranker>();
        using var cancellation = new CancellationTokenSource();
        var chat = new FailingChat(null, cancellation);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Retriever(index, chat, logger).SearchAsync(Question, 5, RetrieverKind.Bm25, cancellation.Token));

        Assert.Empty(logger.Collector.GetSnapshot());
    }

    private static HybridPaperRetriever Retriever(CorpusIndex index, IChatClient? chat, ILogger<LlmReranker>? logger = null)
    {
        var options = Options.Create(new RetrievalOptions());
        if (chat is null)
        {
            return new HybridPaperRetriever(index, options);
        }

        var services = new ServiceCollection().AddSingleton(chat).BuildServiceProvider();
        return new HybridPaperRetriever(index, options, reranker: new LlmReranker(services, options, logger));
    }

    private static CorpusIndex CreateIndex(TempFolder cache) =>
        new(
            Options.Create(new CorpusOptions { Folder = TestPaths.ShippedCorpus, CacheFolder = cache.Path }),
            Options.Create(new RetrievalOptions()),
            new InMemoryVectorStore(),
            null);

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddRagRetrieval(configuration);
        return services.BuildServiceProvider();
    }

    // Fails every request with the exception, or cancels the caller's token and throws as a cancelled request does.
    private sealed class FailingChat(Exception? failure, CancellationTokenSource? cancel = null) : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (cancel is not null)
            {
                await cancel.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            throw failure!;
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
