using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// The second dense retriever (<see cref="RetrievalOptions.SecondDenseWeight"/>) in <see cref="CorpusIndex"/> and
/// <see cref="HybridPaperRetriever"/>: a second <see cref="HashingEmbeddingGenerator"/> of another model id and
/// vector length stands in for all-MiniLM-L6-v2.
/// </summary>
public sealed class SecondDenseRetrieverTests
{
    private const int SecondDimensions = 48;
    private static readonly string[] Titles = ["Pruning Transformers", "Speech Recognition", "Retrieval Augmentation", "Protein Folding"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_second_model_embeds_every_passage_once_into_its_own_collection_and_cache_file_and_a_warm_start_embeds_nothing()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", Titles);
        var first = new HashingEmbeddingGenerator();
        var second = Second();

        using (var cold = CreateIndex(corpus, cache, first, second))
        {
            var report = await cold.WaitForVectorsAsync(Ct);

            Assert.True(report.DenseAvailable);
            var snapshot = cold.Snapshot!;
            Assert.NotNull(snapshot.Vectors);
            Assert.NotNull(snapshot.SecondVectors);
            Assert.NotSame(snapshot.Vectors, snapshot.SecondVectors);
            var vectors = await snapshot.PassageVectorsAsync(Enumerable.Range(0, snapshot.Passages.Count), Ct, second: true);
            Assert.Equal(Titles.Length, vectors.Count);
            Assert.All(vectors.Values, v => Assert.Equal(SecondDimensions, v.Length));
        }

        // Passages only for the second model; passages and their two sentences each for the first.
        Assert.Equal(Titles.Length, second.EmbeddedTexts);
        Assert.Equal(Titles.Length * 3, first.EmbeddedTexts);
        Assert.All(second.InputTypes, t => Assert.Equal(EmbeddingInputType.Document, t));
        var files = Directory.GetFiles(cache.Path, "embeddings-*.bin");
        Assert.Equal(2, files.Length);
        Assert.Contains(EmbeddingCache.PathFor(cache.Path, EmbeddingInputType.ModelIdentity(second), corpus.Path), files);
        Assert.Contains(EmbeddingCache.PathFor(cache.Path, EmbeddingInputType.ModelIdentity(first), corpus.Path), files);

        using var warm = CreateIndex(corpus, cache, first, second);
        var warmReport = await warm.BuildAsync(cancellationToken: Ct);

        // Hybrid with both models from the first question: the second collection is there when the build returns.
        Assert.Equal((0, Titles.Length, true), (warmReport.Embedded, warmReport.FromCache, warmReport.DenseAvailable));
        Assert.NotNull(warm.Snapshot!.SecondVectors);
        await warm.WaitForVectorsAsync(Ct);
        Assert.Equal(Titles.Length, second.EmbeddedTexts);
        Assert.Equal(Titles.Length * 3, first.EmbeddedTexts);
    }

    [Fact]
    public async Task A_second_model_added_to_a_cached_corpus_embeds_its_passages_in_the_background()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", Titles);
        var first = new HashingEmbeddingGenerator();
        using (var alone = CreateIndex(corpus, cache, first, null))
        {
            await alone.WaitForVectorsAsync(Ct);
            Assert.Null(alone.Snapshot!.SecondVectors);
        }

        var second = Second();
        second.HoldDocuments = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var index = CreateIndex(corpus, cache, first, second);
        var report = await index.BuildAsync(cancellationToken: Ct);

        // The first model's vectors are all cached: hybrid now, the second joins once embedded.
        Assert.True(report.DenseAvailable);
        Assert.NotNull(index.Snapshot!.Vectors);
        Assert.Null(index.Snapshot.SecondVectors);
        second.HoldDocuments.SetResult();
        await index.WaitForVectorsAsync(Ct);
        Assert.NotNull(index.Snapshot!.SecondVectors);
        Assert.Equal(Titles.Length, second.EmbeddedTexts);
        Assert.Equal(Titles.Length * 3, first.EmbeddedTexts);
    }

    [Fact]
    public async Task A_failing_second_model_is_logged_and_leaves_hybrid_search_on_the_first()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", Titles);
        var first = new HashingEmbeddingGenerator();
        var second = Second();
        second.FailWith = new InvalidOperationException("second model crashed");
        using var logs = new FakeLoggerProvider();
        using var factory = new LoggerFactory([logs]);
        using var index = CreateIndex(corpus, cache, first, second, factory);

        var report = await index.WaitForVectorsAsync(Ct);

        Assert.True(report.DenseAvailable);
        Assert.NotNull(index.Snapshot!.Vectors);
        Assert.Null(index.Snapshot.SecondVectors);
        var warning = Assert.Single(logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Category == typeof(CorpusIndex).FullName);
        Assert.Contains("second model crashed", warning.Message, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(cache.Path, "embeddings-*.bin"));

        var result = await CreateRetriever(index, first, second).SearchAsync("retrieval augmentation", cancellationToken: Ct);

        Assert.Equal((RetrieverKind.Hybrid, null), (result.Mode, result.Notice));
        Assert.Equal("Retrieval Augmentation", result.Hits[0].Paper.Title);
        Assert.Equal(2.0, result.Hits[0].Score, 6); // BM25 and the first cosine, each 1: no second part
    }

    [Fact]
    public async Task Without_a_first_model_the_second_is_ignored_and_search_is_bm25()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", Titles);
        var second = Second();
        using var index = CreateIndex(corpus, cache, null, second);

        var report = await index.WaitForVectorsAsync(Ct);
        var result = await CreateRetriever(index, null, second).SearchAsync("speech recognition", cancellationToken: Ct);

        Assert.False(report.DenseAvailable);
        Assert.Null(index.Snapshot!.SecondVectors);
        Assert.Equal(RetrieverKind.Bm25, result.Mode);
        Assert.Equal("Speech Recognition", result.Hits[0].Paper.Title);
        Assert.Equal(0, second.EmbeddedTexts);
        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [Fact]
    public async Task Hybrid_search_embeds_the_query_once_with_the_second_model_and_adds_its_weighted_score_while_dense_and_bm25_do_not()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", Titles);
        var first = new HashingEmbeddingGenerator();
        var second = Second();
        using var index = CreateIndex(corpus, cache, first, second);
        await index.WaitForVectorsAsync(Ct);
        var retriever = CreateRetriever(index, first, second);

        var hybrid = await retriever.SearchAsync("retrieval augmentation", cancellationToken: Ct);
        var dense = await retriever.SearchAsync("retrieval augmentation", kind: RetrieverKind.Dense, cancellationToken: Ct);
        var bm25 = await retriever.SearchAsync("retrieval augmentation", kind: RetrieverKind.Bm25, cancellationToken: Ct);

        Assert.Equal((RetrieverKind.Hybrid, RetrieverKind.Dense, RetrieverKind.Bm25), (hybrid.Mode, dense.Mode, bm25.Mode));
        Assert.Equal(1, Queries(second));
        Assert.Equal(2, Queries(first));
        var top = hybrid.Hits[0];
        Assert.Equal("Retrieval Augmentation", top.Paper.Title);

        // Best BM25, best first cosine and best second cosine: 1 + 1 + 0.5 × 1.
        Assert.Equal(2.5, top.Score, 6);
    }

    [Fact]
    public async Task A_second_model_failing_on_the_query_is_logged_and_the_search_stays_hybrid()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", Titles);
        var first = new HashingEmbeddingGenerator();
        var second = Second();
        using var index = CreateIndex(corpus, cache, first, second);
        await index.WaitForVectorsAsync(Ct);
        Assert.NotNull(index.Snapshot!.SecondVectors);
        second.FailWith = new InvalidOperationException("second model crashed");
        var logger = new FakeLogger<HybridPaperRetriever>();
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), first, logger, secondEmbeddingGenerator: second);

        var result = await retriever.SearchAsync("retrieval augmentation", cancellationToken: Ct);

        Assert.Equal((RetrieverKind.Hybrid, null), (result.Mode, result.Notice));
        Assert.Equal("Retrieval Augmentation", result.Hits[0].Paper.Title);
        Assert.Equal(2.0, result.Hits[0].Score, 6);
        Assert.Equal(1, result.Hits[0].DenseRank);
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("second model crashed", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task A_weight_of_zero_never_embeds_the_query_with_the_second_model()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", Titles);
        var first = new HashingEmbeddingGenerator();
        var second = Second();
        using var index = CreateIndex(corpus, cache, first, second);
        await index.WaitForVectorsAsync(Ct);

        var result = await CreateRetriever(index, first, second, new RetrievalOptions { SecondDenseWeight = 0 }).SearchAsync("retrieval augmentation", cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Hybrid, result.Mode);
        Assert.Equal(2.0, result.Hits[0].Score, 6);
        Assert.Equal(0, Queries(second));
    }

    private static HashingEmbeddingGenerator Second() => new("hashing-second", SecondDimensions);

    private static int Queries(HashingEmbeddingGenerator generator) => generator.InputTypes.Count(t => t == EmbeddingInputType.Query);

    private static CorpusIndex CreateIndex(TempFolder corpus, TempFolder cache, HashingEmbeddingGenerator? first, HashingEmbeddingGenerator? second, ILoggerFactory? loggerFactory = null) =>
        new(
            Options.Create(new CorpusOptions { Folder = corpus.Path, CacheFolder = cache.Path }),
            Options.Create(new RetrievalOptions()),
            new InMemoryVectorStore(),
            first,
            loggerFactory: loggerFactory,
            secondEmbeddingGenerator: second);

    private static HybridPaperRetriever CreateRetriever(CorpusIndex index, HashingEmbeddingGenerator? first, HashingEmbeddingGenerator? second, RetrievalOptions? options = null) =>
        new(index, Options.Create(options ?? new RetrievalOptions()), first, secondEmbeddingGenerator: second);
}
