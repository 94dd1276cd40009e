using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);

        using (var cold = papers.Index(first, second))
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
        // And each passage's token vectors, once, into a cache file of their own.
        Assert.Equal(Titles.Length, second.TokenTexts);
        var files = papers.CacheFiles();
        Assert.Equal(3, files.Length);
        Assert.Contains(papers.CacheFileOf(second), files);
        Assert.Contains(papers.CacheFileOf(first), files);
        Assert.Contains(papers.TokenCacheFileOf(second), files);

        using var warm = papers.Index(first, second);
        var warmReport = await warm.BuildAsync(cancellationToken: Ct);

        // Hybrid with both models and the token match from the first question: all there when the build returns.
        Assert.Equal((0, Titles.Length, true), (warmReport.Embedded, warmReport.FromCache, warmReport.DenseAvailable));
        Assert.True(warm.SecondDenseAvailable);
        Assert.True(warm.TokenMatchAvailable);
        await warm.WaitForVectorsAsync(Ct);
        Assert.Equal(Titles.Length, second.EmbeddedTexts);
        Assert.Equal(Titles.Length * 3, first.EmbeddedTexts);
        Assert.Equal(Titles.Length, second.TokenTexts);
    }

    [Fact]
    public async Task A_corrupt_token_cache_is_discarded_with_one_warning_and_made_again_in_the_background()
    {
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);
        using (var cold = papers.Index(first, second))
        {
            await cold.WaitForVectorsAsync(Ct);
        }

        var file = papers.TokenCacheFileOf(second);
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes, Ct);
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));

        using var warm = papers.Index(first, second, loggerFactory);
        await warm.BuildAsync(cancellationToken: Ct);
        await warm.WaitForVectorsAsync(Ct);

        Assert.True(warm.TokenMatchAvailable);
        Assert.Equal(Titles.Length * 2, second.TokenTexts);
        var warning = Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("Token vector cache", warning.Message, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", warning.Message, StringComparison.Ordinal);

        // Saved again, whole: the next start reads it.
        using var next = papers.Index(first, second);
        await next.BuildAsync(cancellationToken: Ct);
        Assert.True(next.TokenMatchAvailable);
        Assert.Equal(Titles.Length * 2, second.TokenTexts);
    }

    [Fact]
    public async Task A_second_model_added_to_a_cached_corpus_embeds_its_passages_in_the_background()
    {
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);
        using (var alone = papers.Index(first, null))
        {
            await alone.WaitForVectorsAsync(Ct);
            Assert.Null(alone.Snapshot!.SecondVectors);
        }

        second.HoldDocuments = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var index = papers.Index(first, second);
        var report = await index.BuildAsync(cancellationToken: Ct);

        // The first model's vectors are all cached: hybrid now, the second joins once embedded.
        Assert.True(report.DenseAvailable);
        Assert.NotNull(index.Snapshot!.Vectors);
        Assert.Null(index.Snapshot.SecondVectors);
        Assert.True(index.Embedding.SecondDensePending);
        second.HoldDocuments.SetResult();
        await index.WaitForVectorsAsync(Ct);
        Assert.NotNull(index.Snapshot!.SecondVectors);
        Assert.Equal(EmbeddingState.Ready, index.Embedding.SecondDense);
        Assert.Equal(Titles.Length, second.EmbeddedTexts);
        Assert.Equal(Titles.Length * 3, first.EmbeddedTexts);
    }

    [Fact]
    public async Task The_second_dense_retriever_is_queued_while_the_first_embedder_works_then_running_then_ready()
    {
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);
        first.HoldDocuments = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        second.HoldDocuments = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var index = papers.Index(first, second);
        await index.BuildAsync(cancellationToken: Ct);

        // A cold start: the first embedder's passages are held, so the second has not started (it is not "running").
        Assert.Equal(EmbeddingState.Running, index.Embedding.State);
        Assert.Equal(EmbeddingState.Queued, index.Embedding.SecondDense);
        Assert.True(index.Embedding.SecondDensePending);
        first.HoldDocuments.SetResult();
        await Until(() => index.Embedding.SecondDense != EmbeddingState.Queued);

        Assert.Equal(EmbeddingState.Running, index.Embedding.SecondDense);
        Assert.Equal(0, second.EmbeddedTexts);
        second.HoldDocuments.SetResult();
        await index.WaitForVectorsAsync(Ct);
        Assert.Equal(EmbeddingState.Ready, index.Embedding.SecondDense);
        Assert.False(index.Embedding.SecondDensePending);
    }

    [Fact]
    public async Task The_second_dense_retriever_counts_its_passages_then_its_token_vectors()
    {
        // A redirected `index` printed the same count-less line every 15 s while the token vectors were embedded.
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);
        second.HoldDocuments = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        second.HoldTokens = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var index = papers.Index(first, second, options: new RetrievalOptions { EmbeddingBatchSize = 2 });
        await index.BuildAsync(cancellationToken: Ct);

        await Until(() => index.Embedding.SecondDense == EmbeddingState.Running);
        Assert.Equal((0, Titles.Length, false), (index.Embedding.SecondDenseDone, index.Embedding.SecondDenseTotal, index.Embedding.SecondDenseTokens));

        // The first batch is asked for token vectors (one pass, where the model gives the pooled vector too); this
        // model gives none, so the batch is embedded again as documents, and its token vectors are kept.
        var holdTokens = second.HoldTokens;
        second.HoldTokens = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        holdTokens.SetResult();
        await Until(() => second.TokenTexts == 2);
        Assert.Equal((0, Titles.Length, false), (index.Embedding.SecondDenseDone, index.Embedding.SecondDenseTotal, index.Embedding.SecondDenseTokens));
        second.HoldDocuments.SetResult();
        await Until(() => index.Embedding.SecondDenseTokens);
        Assert.Equal((2, Titles.Length, EmbeddingState.Running), (index.Embedding.SecondDenseDone, index.Embedding.SecondDenseTotal, index.Embedding.SecondDense));
        Assert.True(index.SecondDenseAvailable);
        second.HoldTokens.SetResult();
        await index.WaitForVectorsAsync(Ct);
        Assert.Equal((Titles.Length, Titles.Length, EmbeddingState.Ready), (index.Embedding.SecondDenseDone, index.Embedding.SecondDenseTotal, index.Embedding.SecondDense));

        // Two passes, each passage once in each.
        Assert.Equal((Titles.Length, Titles.Length), (second.EmbeddedTexts, second.TokenTexts));
    }

    [Fact]
    public async Task A_model_giving_the_pooled_vector_beside_the_tokens_embeds_each_passage_once_for_both_vectors_and_a_warm_start_embeds_nothing()
    {
        using var papers = new Papers(pooledBesideTokens: true);
        var (first, second) = (papers.First, papers.Second);
        using (var cold = papers.Index(first, second, options: new RetrievalOptions { EmbeddingBatchSize = 3 }))
        {
            await cold.WaitForVectorsAsync(Ct);

            Assert.True(cold.SecondDenseAvailable);
            Assert.True(cold.TokenMatchAvailable);
            Assert.Equal(Titles.Length, cold.Snapshot!.Tokens!.Count);

            // The passage vectors are the pass's pooled vectors: what a document embedding of the passage gives (stored at unit length).
            var snapshot = cold.Snapshot!;
            var stored = await snapshot.PassageVectorsAsync(Enumerable.Range(0, snapshot.Passages.Count), Ct, second: true);
            var texts = snapshot.Passages.Select(p => CorpusIndex.EmbeddingText(snapshot.PaperOf(p).Title, p)).ToList();
            var expected = await new HashingEmbeddingGenerator("hashing-second", SecondDimensions).GenerateAsync(texts, EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);
            Assert.Equal(Titles.Length, stored.Count);
            for (var i = 0; i < texts.Count; i++)
            {
                Assert.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(expected[i].Vector.Span, stored[i].Span), 5);
            }
        }

        // One model call per passage, at token granularity; none for documents.
        Assert.Equal((0, Titles.Length), (second.EmbeddedTexts, second.TokenTexts));
        Assert.Empty(second.InputTypes);
        Assert.Equal(Titles.Length * 3, first.EmbeddedTexts);
        var files = papers.CacheFiles();
        Assert.Equal(3, files.Length);
        Assert.Contains(papers.CacheFileOf(second), files);
        Assert.Contains(papers.TokenCacheFileOf(second), files);

        // Both cache files as the two passes write them: a warm start with a model that embeds in two passes reads them.
        var twoPasses = new HashingEmbeddingGenerator("hashing-second", SecondDimensions);
        using var warm = papers.Index(first, twoPasses);
        var report = await warm.BuildAsync(cancellationToken: Ct);
        Assert.Equal((0, Titles.Length, true), (report.Embedded, report.FromCache, report.DenseAvailable));
        Assert.True(warm.SecondDenseAvailable);
        Assert.True(warm.TokenMatchAvailable);
        await warm.WaitForVectorsAsync(Ct);
        Assert.Equal((0, 0), (twoPasses.EmbeddedTexts, twoPasses.TokenTexts));

        using var warmPooled = papers.Index(first, second);
        await warmPooled.BuildAsync(cancellationToken: Ct);
        Assert.True(warmPooled.TokenMatchAvailable);
        await warmPooled.WaitForVectorsAsync(Ct);
        Assert.Equal((0, Titles.Length), (second.EmbeddedTexts, second.TokenTexts));
    }

    [Fact]
    public async Task In_one_pass_the_second_dense_retriever_counts_its_passages_and_is_ready_with_its_token_vectors()
    {
        using var papers = new Papers(pooledBesideTokens: true);
        var (first, second) = (papers.First, papers.Second);
        second.HoldTokens = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var index = papers.Index(first, second);
        await index.BuildAsync(cancellationToken: Ct);

        await Until(() => index.Embedding.SecondDense == EmbeddingState.Running);
        Assert.Equal((0, Titles.Length, false), (index.Embedding.SecondDenseDone, index.Embedding.SecondDenseTotal, index.Embedding.SecondDenseTokens));
        Assert.False(index.SecondDenseAvailable);
        second.HoldTokens.SetResult();
        await index.WaitForVectorsAsync(Ct);

        Assert.Equal((Titles.Length, Titles.Length, EmbeddingState.Ready), (index.Embedding.SecondDenseDone, index.Embedding.SecondDenseTotal, index.Embedding.SecondDense));
        Assert.True(index.SecondDenseAvailable);
        Assert.True(index.TokenMatchAvailable);
        Assert.Equal((0, Titles.Length), (second.EmbeddedTexts, second.TokenTexts));
    }

    [Fact]
    public async Task Without_the_token_match_a_model_giving_the_pooled_vector_is_asked_for_passage_vectors_alone()
    {
        using var papers = new Papers(pooledBesideTokens: true);
        var (first, second) = (papers.First, papers.Second);
        using var index = papers.Index(first, second, options: new RetrievalOptions { TokenMatchWeight = 0 });

        await index.WaitForVectorsAsync(Ct);

        Assert.True(index.SecondDenseAvailable);
        Assert.False(index.TokenMatchAvailable);
        Assert.Equal((Titles.Length, 0), (second.EmbeddedTexts, second.TokenTexts));
        Assert.DoesNotContain(papers.TokenCacheFileOf(second), papers.CacheFiles());
    }

    [Fact]
    public async Task A_one_pass_rebuild_embeds_only_the_changed_passage_once()
    {
        using var papers = new Papers(pooledBesideTokens: true);
        var second = papers.Second;
        using var index = papers.Index(papers.First, second);
        await index.WaitForVectorsAsync(Ct);

        papers.Write("Pruning Transformers", "Speech Recognition", "Retrieval Augmentation", "Protein Folding Revisited");
        await index.BuildAsync(cancellationToken: Ct);
        await index.WaitForVectorsAsync(Ct);

        Assert.Equal((0, Titles.Length + 1), (second.EmbeddedTexts, second.TokenTexts));
        Assert.True(index.TokenMatchAvailable);
        Assert.Equal(Titles.Length, index.Snapshot!.Tokens!.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_build_stopped_midway_keeps_the_token_vectors_it_made_and_the_next_start_embeds_only_the_rest(bool onePass)
    {
        // Stopped (index cancelled, or the service shutting down) after one batch of token vectors: in the one pass
        // (pooled vectors beside the tokens) or in the token step after two passes.
        using var papers = new Papers(pooledBesideTokens: onePass);
        var (first, second) = (papers.First, papers.Second);
        var options = new RetrievalOptions { EmbeddingBatchSize = 2 };
        var stopped = await papers.HeldAfterTwoTokenTextsAsync(options);
        stopped.Dispose();

        Assert.Contains(papers.TokenCacheFileOf(second), papers.CacheFiles());
        var next = new HashingEmbeddingGenerator("hashing-second", SecondDimensions) { PooledBesideTokens = onePass };
        using var restarted = papers.Index(first, next, options: options);
        await restarted.WaitForVectorsAsync(Ct);

        Assert.True(restarted.TokenMatchAvailable);
        Assert.Equal(Titles.Length, restarted.Snapshot!.Tokens!.Count);
        Assert.Equal(Titles.Length - 2, next.TokenTexts);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Token_vectors_are_added_to_their_cache_file_as_they_are_made_for_a_process_ended_at_once(bool onePass)
    {
        // Ctrl+C in `index` ends the process without a stop: what is in the cache file by then is what the next start has.
        using var papers = new Papers(pooledBesideTokens: onePass);
        var second = papers.Second;
        using var index = await papers.HeldAfterTwoTokenTextsAsync(new RetrievalOptions { EmbeddingBatchSize = 2, EmbeddingCacheSaveInterval = TimeSpan.Zero });
        await Until(() => File.Exists(papers.TokenCacheFileOf(second)));

        // Read while the build is still held at its second batch, as a next start would.
        var identity = EmbeddingInputType.ModelIdentity(second);
        var cache = TokenVectorCache.Load(papers.TokenCacheFileOf(second), identity, SecondDimensions, NullLogger.Instance);
        var texts = index.Snapshot!.Passages.Select(p => CorpusIndex.EmbeddingText(index.Snapshot.PaperOf(p).Title, p)).ToList();
        Assert.Equal(2, texts.Count(t => cache.TryGet(EmbeddingCache.HashText(t), out _)));
        second.HoldTokens!.SetResult();
        await index.WaitForVectorsAsync(Ct);
    }

    [Fact]
    public async Task A_rebuild_updates_the_second_collection_in_place_and_embeds_only_the_changed_passage()
    {
        using var papers = new Papers();
        var second = papers.Second;
        var store = new InMemoryVectorStore();
        using var index = papers.Index(papers.First, second, store: store);
        await index.WaitForVectorsAsync(Ct);
        var names = await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct);
        var secondName = $"passages-{CorpusVectors.KeyOf(EmbeddingInputType.ModelIdentity(second), papers.CorpusPath)}";
        Assert.Contains(secondName, names);

        // One paper changed, one removed.
        papers.Write("Pruning Transformers", "Speech Recognition", "Protein Folding Revisited");
        await index.BuildAsync(cancellationToken: Ct);
        await index.WaitForVectorsAsync(Ct);

        Assert.Equal(names, await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        Assert.Equal(Titles.Length + 1, second.EmbeddedTexts);
        var collection = store.GetCollection<string, PassageVectorRecord>(secondName, PassageVectorRecord.CreateDefinition(SecondDimensions));
        var stored = await collection.GetAsync(r => true, 100, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(index.Passages.Select(p => p.Id).Order(StringComparer.Ordinal), stored.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(secondName, index.Snapshot!.SecondVectors!.Name);
    }

    [Fact]
    public async Task A_failing_second_model_is_logged_and_leaves_hybrid_search_on_the_first()
    {
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);
        second.FailWith = new InvalidOperationException("second model crashed");
        using var logs = new FakeLoggerProvider();
        using var factory = new LoggerFactory([logs]);
        using var index = papers.Index(first, second, factory);

        var report = await index.WaitForVectorsAsync(Ct);

        Assert.True(report.DenseAvailable);
        Assert.NotNull(index.Snapshot!.Vectors);
        Assert.False(index.SecondDenseAvailable);
        Assert.Equal(EmbeddingState.Failed, index.Embedding.SecondDense);
        var warning = Assert.Single(logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Category == typeof(CorpusIndex).FullName);
        Assert.Contains("second model crashed", warning.Message, StringComparison.Ordinal);
        Assert.Equal([papers.CacheFileOf(first)], papers.CacheFiles());

        var result = await papers.Retriever(index).SearchAsync("retrieval augmentation", cancellationToken: Ct);

        Assert.Equal((RetrieverKind.Hybrid, null), (result.Mode, result.Notice));
        Assert.Equal("Retrieval Augmentation", result.Hits[0].Paper.Title);
        Assert.Equal(2.0, result.Hits[0].Score, 6); // BM25 and the first cosine, each 1: no second part
    }

    [Fact]
    public async Task Without_a_first_model_the_second_is_ignored_and_search_is_bm25()
    {
        using var papers = new Papers();
        var second = papers.Second;
        using var index = papers.Index(null, second);

        var report = await index.WaitForVectorsAsync(Ct);
        var result = await new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), secondEmbeddingGenerator: second).SearchAsync("speech recognition", cancellationToken: Ct);

        Assert.False(report.DenseAvailable);
        Assert.Null(index.Snapshot!.SecondVectors);
        Assert.Equal(EmbeddingState.None, index.Embedding.SecondDense);
        Assert.Equal(RetrieverKind.Bm25, result.Mode);
        Assert.Equal("Speech Recognition", result.Hits[0].Paper.Title);
        Assert.Equal(0, second.EmbeddedTexts);
        Assert.Empty(papers.CacheFiles());
    }

    [Fact]
    public async Task Hybrid_search_embeds_the_query_once_with_the_second_model_and_adds_its_weighted_score_while_dense_and_bm25_do_not()
    {
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);
        using var index = await papers.IndexedAsync();
        var retriever = papers.Retriever(index);
        Assert.Equal(Titles.Length, second.TokenTexts); // the index's token vectors: one text per passage

        var hybrid = await retriever.SearchAsync("retrieval augmentation", cancellationToken: Ct);
        var dense = await retriever.SearchAsync("retrieval augmentation", kind: RetrieverKind.Dense, cancellationToken: Ct);
        var bm25 = await retriever.SearchAsync("retrieval augmentation", kind: RetrieverKind.Bm25, cancellationToken: Ct);

        Assert.Equal((RetrieverKind.Hybrid, RetrieverKind.Dense, RetrieverKind.Bm25), (hybrid.Mode, dense.Mode, bm25.Mode));
        Assert.Equal(1, Queries(second));
        Assert.Equal(2, Queries(first));
        var top = hybrid.Hits[0];
        Assert.Equal("Retrieval Augmentation", top.Paper.Title);

        // Best BM25, best first cosine, best second cosine and best token match: 1 + 1 + 0.5 × 1 + 3 × 1 (a question
        // of one clause has no first-clause part). The question's tokens are embedded once, by the hybrid search alone.
        Assert.Equal(5.5, top.Score, 6);
        Assert.Equal(Titles.Length + 1, second.TokenTexts);
        Assert.Equal(((int?)1, (int?)1, (int?)1), (top.Bm25Rank, top.DenseRank, top.SecondDenseRank));
        Assert.All(dense.Hits.Concat(bm25.Hits), h => Assert.Null(h.SecondDenseRank));
    }

    [Fact]
    public async Task A_second_model_giving_the_pooled_vector_beside_the_tokens_is_asked_once_per_search_and_scores_alike()
    {
        using var papers = new Papers(pooledBesideTokens: true);
        var second = papers.Second;
        using var index = await papers.IndexedAsync();
        var retriever = papers.Retriever(index);

        var hybrid = await retriever.SearchAsync("retrieval augmentation", cancellationToken: Ct);

        // One call for the question's tokens, whose pooled vector is the second query vector: no query call at all.
        Assert.Equal(0, Queries(second));
        Assert.Equal(Titles.Length + 1, second.TokenTexts);
        Assert.Equal("Retrieval Augmentation", hybrid.Hits[0].Paper.Title);
        Assert.Equal(5.5, hybrid.Hits[0].Score, 6);
        Assert.Equal(1, hybrid.Hits[0].SecondDenseRank);

        // "paper(s)" is left out of the tokens only: the pooled vector reads the question as written, so the one call
        // embeds both texts.
        await retriever.SearchAsync("Which papers study retrieval augmentation?", cancellationToken: Ct);
        Assert.Equal(0, Queries(second));
        Assert.Equal(Titles.Length + 3, second.TokenTexts);
    }

    [Fact]
    public async Task A_second_model_failing_on_the_query_is_logged_and_the_search_stays_hybrid()
    {
        using var papers = new Papers();
        var (first, second) = (papers.First, papers.Second);
        using var index = await papers.IndexedAsync();
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
        using var papers = new Papers();
        var second = papers.Second;
        using var index = await papers.IndexedAsync();

        var result = await papers.Retriever(index, new RetrievalOptions { SecondDenseWeight = 0 }).SearchAsync("retrieval augmentation", cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Hybrid, result.Mode);
        Assert.Equal(2.0, result.Hits[0].Score, 6);
        Assert.Equal(0, Queries(second));
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, Ct);
        }

        Assert.True(condition());
    }

    private static int Queries(HashingEmbeddingGenerator generator) => generator.InputTypes.Count(t => t == EmbeddingInputType.Query);

    /// <summary>A four-paper corpus, a cache folder, and the two models.</summary>
    private sealed class Papers : IDisposable
    {
        private readonly TempFolder _corpus = new();
        private readonly TempFolder _cache = new();

        /// <param name="pooledBesideTokens">Whether the second model gives each text's pooled vector beside its token vectors, as the bundled MiniLM does.</param>
        public Papers(bool pooledBesideTokens = false)
        {
            Write(Titles);
            Second.PooledBesideTokens = pooledBesideTokens;
        }

        public string CorpusPath => _corpus.Path;

        public HashingEmbeddingGenerator First { get; } = new();

        public HashingEmbeddingGenerator Second { get; } = new("hashing-second", SecondDimensions);

        public void Write(params string[] titles) => CorpusIndexTests.WritePapers(_corpus, "a.jsonl", titles);

        public CorpusIndex Index(HashingEmbeddingGenerator? first, HashingEmbeddingGenerator? second, ILoggerFactory? loggerFactory = null, InMemoryVectorStore? store = null, RetrievalOptions? options = null) =>
            new(
                Options.Create(new CorpusOptions { Folder = _corpus.Path, CacheFolder = _cache.Path }),
                Options.Create(options ?? new RetrievalOptions()),
                store ?? new InMemoryVectorStore(),
                first,
                loggerFactory: loggerFactory,
                secondEmbeddingGenerator: second);

        /// <summary>An index with both models, every vector embedded.</summary>
        public async Task<CorpusIndex> IndexedAsync()
        {
            var index = Index(First, Second);
            await index.WaitForVectorsAsync(Ct);
            Assert.NotNull(index.Snapshot!.SecondVectors);
            return index;
        }

        /// <summary>An index building with both models, held once the second has made and stored the token vectors of two texts.</summary>
        public async Task<CorpusIndex> HeldAfterTwoTokenTextsAsync(RetrievalOptions options)
        {
            Second.HoldTokens = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Second.HoldTokensAfterTexts = 2;
            var index = Index(First, Second, options: options);
            await index.BuildAsync(cancellationToken: Ct);
            // Held once the first batch is stored too (its count published): a stop between the model's answer and
            // the store keeps nothing of that batch, and the next start would embed it again.
            await Until(() => Second.TokenTexts == 2 && index.Embedding.SecondDenseDone == 2);
            return index;
        }

        public HybridPaperRetriever Retriever(CorpusIndex index, RetrievalOptions? options = null) =>
            new(index, Options.Create(options ?? new RetrievalOptions()), First, secondEmbeddingGenerator: Second);

        public string[] CacheFiles() => Directory.GetFiles(_cache.Path);

        public string CacheFileOf(HashingEmbeddingGenerator generator) =>
            EmbeddingCache.PathFor(_cache.Path, EmbeddingInputType.ModelIdentity(generator), _corpus.Path);

        public string TokenCacheFileOf(HashingEmbeddingGenerator generator) =>
            TokenVectorCache.PathFor(_cache.Path, EmbeddingInputType.ModelIdentity(generator), _corpus.Path);

        public void Dispose()
        {
            _corpus.Dispose();
            _cache.Dispose();
        }
    }
}
