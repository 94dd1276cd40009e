using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// A model server that fails under a component that carries on without it (the index and the query fall back to
/// BM25, the LLM reranker keeps the first-stage order): one warning line with the server's one line, no stack trace
/// below Debug; what was embedded before the failure stays cached.
/// </summary>
public sealed class ModelServerFailureLogTests
{
    private const string Embedding = "the model server at http://127.0.0.1:1/v1 (EmbeddingModel:Endpoint) answered HTTP 500: embed boom";
    private const string Chat = "the model server at http://127.0.0.1:1/v1 (ChatModel:Endpoint) answered HTTP 500: rerank boom";
    private const string Question = "Which papers study speculative decoding?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_embedding_server_failing_mid_index_is_one_warning_line_and_what_was_embedded_stays_cached()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation", "Protein Folding");
        var options = new RetrievalOptions { EmbeddingBatchSize = 2, EmbeddingCacheSaveInterval = TimeSpan.FromHours(1) };
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        var report = await Index(corpus, cache, options, new FailingAfter(batches: 1), loggerFactory).WaitForVectorsAsync(Ct);

        Assert.False(report.DenseAvailable);
        Assert.Contains($"embedding failed ({Embedding}); retrieval is BM25 only until the next build", report.Warnings);
        var entries = logs.Collector.GetSnapshot().Where(e => e.Exception is ModelServerException || e.Message.Contains(Embedding, StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(entries, e => e.Level > LogLevel.Debug);
        Assert.Equal((LogLevel.Warning, $"Embedding failed ({Embedding}); retrieval falls back to BM25 only", null), (warning.Level, warning.Message, warning.Exception));
        Assert.Contains(entries, e => e.Level == LogLevel.Debug && e.Exception is ModelServerException); // the trace, at Debug

        // The batch embedded before the failure was saved: the next build embeds only the rest.
        var generator = new HashingEmbeddingGenerator("failing-after");
        using var next = Index(corpus, cache, options, generator, null);
        var again = await next.WaitForVectorsAsync(Ct);
        Assert.Equal((2, 2), (again.Embedded, again.FromCache));
    }

    [Fact]
    public async Task An_embedding_server_failing_on_the_query_is_one_warning_line_and_the_search_runs_bm25()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var generator = new HashingEmbeddingGenerator();
        using var index = CorpusIndexTests.CreateIndex(corpus, cache, generator);
        await index.WaitForVectorsAsync(Ct);
        var logger = new FakeLogger<HybridPaperRetriever>();
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), generator, logger);
        generator.FailWith = new ModelServerException(Embedding);

        var result = await retriever.SearchAsync("pruning", kind: RetrieverKind.Hybrid, cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Bm25, result.Mode);
        var warning = Assert.Single(logger.Collector.GetSnapshot(), e => e.Level > LogLevel.Debug);
        Assert.Equal((LogLevel.Warning, $"Embedding the query failed ({Embedding}); this search runs BM25 only", null), (warning.Level, warning.Message, warning.Exception));
    }

    [Fact]
    public async Task A_chat_server_failing_the_reranker_is_one_warning_line_and_the_first_stage_order_is_kept()
    {
        using var cache = new TempFolder();
        using var index = BundledCorpusIndex(cache);
        var first = await Retriever(index, null, null).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);
        var logger = new FakeLogger<LlmReranker>();

        var reranked = await Retriever(index, new FailingChat(new ModelServerException(Chat)), logger).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        Assert.Equal(first.Hits.Select(h => h.Paper.Id), reranked.Hits.Select(h => h.Paper.Id));
        var warning = Assert.Single(logger.Collector.GetSnapshot(), e => e.Level > LogLevel.Debug);
        Assert.Equal((LogLevel.Warning, $"The LLM reranker failed ({Chat}); the first-stage order is kept", null), (warning.Level, warning.Message, warning.Exception));
    }

    [Fact]
    public async Task A_fault_of_the_assistant_in_the_reranker_keeps_its_stack_trace()
    {
        using var cache = new TempFolder();
        using var index = BundledCorpusIndex(cache);
        var logger = new FakeLogger<LlmReranker>();

        await Retriever(index, new FailingChat(new InvalidOperationException("a bug")), logger).SearchAsync(Question, 5, RetrieverKind.Bm25, Ct);

        var warning = Assert.Single(logger.Collector.GetSnapshot());
        Assert.IsType<InvalidOperationException>(warning.Exception);
    }

    [Fact]
    public async Task Cancelling_while_reranking_cancels_the_search_and_logs_nothing()
    {
        using var cache = new TempFolder();
        using var index = BundledCorpusIndex(cache);
        var logger = new FakeLogger<LlmReranker>();
        using var cancellation = new CancellationTokenSource();
        var chat = new FailingChat(null, cancellation);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Retriever(index, chat, logger).SearchAsync(Question, 5, RetrieverKind.Bm25, cancellation.Token));

        Assert.Empty(logger.Collector.GetSnapshot());
    }

    private static CorpusIndex Index(TempFolder corpus, TempFolder cache, RetrievalOptions options, IEmbeddingGenerator<string, Embedding<float>> generator, ILoggerFactory? loggerFactory) =>
        new(
            Options.Create(new CorpusOptions { Folder = corpus.Path, CacheFolder = cache.Path }),
            Options.Create(options),
            new InMemoryVectorStore(),
            generator,
            loggerFactory: loggerFactory);

    private static CorpusIndex BundledCorpusIndex(TempFolder cache) =>
        new(Options.Create(new CorpusOptions { Folder = TestPaths.ShippedCorpus, CacheFolder = cache.Path }), Options.Create(new RetrievalOptions()), new InMemoryVectorStore(), null);

    private static HybridPaperRetriever Retriever(CorpusIndex index, IChatClient? chat, ILogger<LlmReranker>? logger)
    {
        var options = Options.Create(new RetrievalOptions());
        if (chat is null)
        {
            return new HybridPaperRetriever(index, options);
        }

        var services = new ServiceCollection().AddSingleton(chat).BuildServiceProvider();
        return new HybridPaperRetriever(index, options, reranker: new LlmReranker(services, options, logger));
    }

    // Embeds the first batches, then fails as a model server does.
    private sealed class FailingAfter(int batches) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbeddingGenerator _inner = new("failing-after");
        private int _batches;

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            _batches++ < batches ? _inner.GenerateAsync(values, options, cancellationToken) : throw new ModelServerException(Embedding);

        public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

        public void Dispose() => _inner.Dispose();
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
