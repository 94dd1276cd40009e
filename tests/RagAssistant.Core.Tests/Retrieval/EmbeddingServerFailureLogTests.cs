using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// An embedding server that fails under the index and the query, which fall back to BM25: one warning line with the
/// server's one line, no stack trace below Debug; what was embedded before the failure stays cached.
/// </summary>
public sealed class EmbeddingServerFailureLogTests
{
    private const string Embedding = "the model server at http://127.0.0.1:1/v1 (EmbeddingModel:Endpoint) answered HTTP 500: embed boom";

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
        var report = await CorpusIndexTests.CreateIndex(corpus, cache, null, options, new FailingAfter(batches: 1), loggerFactory: loggerFactory).WaitForVectorsAsync(Ct);

        Assert.False(report.DenseAvailable);
        Assert.Contains($"embedding failed ({Embedding}); retrieval is BM25 only until the next build", report.Warnings);
        var entries = logs.Collector.GetSnapshot().Where(e => e.Exception is ModelServerException || e.Message.Contains(Embedding, StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(entries, e => e.Level > LogLevel.Debug);
        Assert.Equal((LogLevel.Warning, $"Embedding failed ({Embedding}); retrieval falls back to BM25 only", null), (warning.Level, warning.Message, warning.Exception));
        Assert.Contains(entries, e => e.Level == LogLevel.Debug && e.Exception is ModelServerException); // the trace, at Debug

        // The batch embedded before the failure was saved: the next build embeds only the rest.
        var generator = new HashingEmbeddingGenerator("failing-after");
        using var next = CorpusIndexTests.CreateIndex(corpus, cache, generator, options);
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
}
