using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Ingestion;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.Retrieval;

public sealed class CorpusIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Second_build_embeds_nothing_and_a_changed_file_re_embeds_only_its_passages()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        WritePapers(corpus, "b.jsonl", "Retrieval Augmentation", "Protein Folding");
        var generator = new HashingEmbeddingGenerator();

        var first = await CreateIndex(corpus, cache, generator).WaitForVectorsAsync(Ct);
        Assert.Equal((4, 0, true), (first.Embedded, first.FromCache, first.DenseAvailable));
        Assert.All(generator.InputTypes, t => Assert.Equal(EmbeddingInputType.Document, t));

        var second = await CreateIndex(corpus, cache, generator).WaitForVectorsAsync(Ct);
        Assert.Equal((0, 4), (second.Embedded, second.FromCache));

        WritePapers(corpus, "b.jsonl", "Retrieval Augmentation", "Protein Folding Revisited");
        var third = await CreateIndex(corpus, cache, generator).WaitForVectorsAsync(Ct);
        Assert.Equal((1, 3), (third.Embedded, third.FromCache));

        // Each passage once, and each passage's two sentences once (for the evidence check), kept in the same cache.
        Assert.Equal((4 + 1) * 3, generator.EmbeddedTexts);
        using var last = CreateIndex(corpus, cache, generator);
        await last.WaitForVectorsAsync(Ct);
        Assert.Equal((4 + 1) * 3, generator.EmbeddedTexts);
        var sentences = await last.GetAsync(["We study protein folding revisited in depth and report results."], Ct);
        Assert.True(sentences.TryGetValue("We study protein folding revisited in depth and report results.", out var sentence) && sentence.Length > 0);
    }

    [Fact]
    public async Task Indexing_another_corpus_with_the_same_cache_folder_keeps_each_corpus_vectors()
    {
        using var corpusA = new TempFolder();
        using var corpusB = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpusA, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation");
        corpusB.Write("note.md", "# Protein Folding\n\nNotes on protein folding and structure prediction.");
        var generator = new HashingEmbeddingGenerator();
        var firstA = await CreateIndex(corpusA, cache, generator).WaitForVectorsAsync(Ct);
        var firstB = await CreateIndex(corpusB, cache, generator).WaitForVectorsAsync(Ct);
        Assert.Equal((firstA.Passages, 0), (firstA.Embedded, firstA.FromCache));
        Assert.Equal((firstB.Passages, 0), (firstB.Embedded, firstB.FromCache));
        var embedded = generator.EmbeddedTexts;

        var againA = await CreateIndex(corpusA, cache, generator).WaitForVectorsAsync(Ct);
        var againB = await CreateIndex(corpusB, cache, generator).WaitForVectorsAsync(Ct);

        Assert.Equal((0, firstA.Passages, true), (againA.Embedded, againA.FromCache, againA.DenseAvailable));
        Assert.Equal((0, firstB.Passages, true), (againB.Embedded, againB.FromCache, againB.DenseAvailable));
        Assert.Equal(embedded, generator.EmbeddedTexts);
        Assert.Equal(2, Directory.GetFiles(cache.Path, "embeddings-*.bin").Length);
    }

    [Fact]
    public async Task A_corrupt_cache_is_rebuilt_with_a_warning()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var generator = new HashingEmbeddingGenerator();
        await CreateIndex(corpus, cache, generator).WaitForVectorsAsync(Ct);
        var file = Assert.Single(Directory.GetFiles(cache.Path));
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..^10]);

        var report = await CreateIndex(corpus, cache, generator).WaitForVectorsAsync(Ct);

        Assert.Equal(2, report.Embedded);
        Assert.Contains(report.Warnings, w => w.Contains("embedding cache discarded", StringComparison.Ordinal));
        var again = await CreateIndex(corpus, cache, generator).WaitForVectorsAsync(Ct);
        Assert.Equal(2, again.FromCache);
    }

    [Fact]
    public async Task A_warm_start_leaves_the_cache_file_alone_and_a_changed_corpus_rewrites_it()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var generator = new HashingEmbeddingGenerator();
        using (var first = CreateIndex(corpus, cache, generator))
        {
            await first.WaitForVectorsAsync(Ct);
        }

        var file = Assert.Single(Directory.GetFiles(cache.Path, "embeddings-*.bin"));
        var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc); // any rewrite moves it, whatever the clock's resolution
        File.SetLastWriteTimeUtc(file, old);

        using (var warm = CreateIndex(corpus, cache, generator))
        {
            var report = await warm.WaitForVectorsAsync(Ct);
            Assert.Equal((0, 2), (report.Embedded, report.FromCache));
        }

        Assert.Equal(old, File.GetLastWriteTimeUtc(file));

        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition Revisited");
        using (var changed = CreateIndex(corpus, cache, generator))
        {
            Assert.Equal(1, (await changed.WaitForVectorsAsync(Ct)).Embedded);
        }

        Assert.NotEqual(old, File.GetLastWriteTimeUtc(file));
    }

    [Fact]
    public async Task A_different_model_does_not_reuse_another_models_vectors()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers");
        await CreateIndex(corpus, cache, new HashingEmbeddingGenerator("model-a")).WaitForVectorsAsync(Ct);

        var report = await CreateIndex(corpus, cache, new HashingEmbeddingGenerator("model-b")).WaitForVectorsAsync(Ct);

        Assert.Equal(1, report.Embedded);
    }

    [Fact]
    public async Task A_failing_embedding_model_leaves_a_working_bm25_index()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var generator = new HashingEmbeddingGenerator { FailWith = new InvalidOperationException("model crashed") };
        var index = CreateIndex(corpus, cache, generator);

        var report = await index.WaitForVectorsAsync(Ct);

        Assert.False(report.DenseAvailable);
        Assert.Contains(report.Warnings, w => w.Contains("model crashed", StringComparison.Ordinal));
        var result = await CreateRetriever(index, generator).SearchAsync("pruning", kind: RetrieverKind.Hybrid, cancellationToken: Ct);
        Assert.Equal(RetrieverKind.Bm25, result.Mode);
        Assert.Equal("Pruning Transformers", result.Hits[0].Paper.Title);
    }

    [Fact]
    public async Task Build_reports_progress_for_each_stage_and_embedding_progress_until_ready()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var stages = new List<IndexProgress>();
        var generator = new HashingEmbeddingGenerator { HoldDocuments = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var index = CreateIndex(corpus, cache, generator);

        var report = await index.BuildAsync(new SynchronousProgress(stages.Add), Ct);

        Assert.Equal(["parsing", "indexing"], stages.Select(s => s.Stage).Distinct());
        Assert.False(report.DenseAvailable);
        Assert.Equal((EmbeddingState.Running, 0, 2), (index.Embedding.State, index.Embedding.Done, index.Embedding.Total));
        generator.HoldDocuments.SetResult();
        var final = await index.WaitForVectorsAsync(Ct);
        Assert.True(final.DenseAvailable);
        Assert.Equal((EmbeddingState.Ready, 2, 2), (index.Embedding.State, index.Embedding.Done, index.Embedding.Total));
        Assert.NotNull(index.Embedding.PassagesPerSecond);
    }

    [Fact]
    public async Task Searches_run_bm25_with_a_notice_until_the_vectors_are_ready_then_hybrid()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation");
        var generator = new HashingEmbeddingGenerator { HoldDocuments = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var index = CreateIndex(corpus, cache, generator);
        var retriever = CreateRetriever(index, generator);

        var early = await retriever.SearchAsync("speech recognition", cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Bm25, early.Mode);
        Assert.Contains("still being built, 0/3 passages embedded:", early.Notice, StringComparison.Ordinal);
        Assert.Equal("Speech Recognition", early.Hits[0].Paper.Title);
        generator.HoldDocuments.SetResult();
        await index.WaitForVectorsAsync(Ct);
        var late = await retriever.SearchAsync("speech recognition", cancellationToken: Ct);
        Assert.Equal((RetrieverKind.Hybrid, null), (late.Mode, late.Notice));
        Assert.Equal("Speech Recognition", late.Hits[0].Paper.Title);
    }

    [Fact]
    public async Task An_interrupted_first_run_keeps_what_was_embedded_and_does_not_embed_it_again()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation", "Protein Folding");
        var options = new RetrievalOptions { EmbeddingBatchSize = 2, EmbeddingCacheSaveInterval = TimeSpan.Zero };
        var slow = new BatchCountingGenerator(stopAfterBatches: 1);
        var index = CreateIndex(corpus, cache, null, options, slow);
        await index.BuildAsync(cancellationToken: Ct);
        await slow.Stopped.Task.WaitAsync(Ct);
        index.Dispose(); // the process is stopped half way: the second batch is cancelled

        Assert.DoesNotContain(Directory.GetFiles(cache.Path), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        var generator = new HashingEmbeddingGenerator("batch-counting");
        using var second = CreateIndex(corpus, cache, generator, options);
        var report = await second.WaitForVectorsAsync(Ct);
        Assert.Equal((2, 2), (report.Embedded, report.FromCache));
        Assert.Equal(2 + (4 * 2), generator.EmbeddedTexts); // the two passages left, then every passage's two sentences
    }

    [Theory]
    [InlineData("file", "is a file, not a folder")]
    [InlineData("under a file", "cannot be created (")]
    [InlineData("proc", "is not writable (")]
    public async Task An_unusable_cache_folder_is_warned_when_the_build_starts_and_embedding_runs_in_memory(string kind, string problem)
    {
        Assert.SkipWhen(kind == "proc" && !OperatingSystem.IsLinux(), "/proc is Linux's");
        using var corpus = new TempFolder();
        using var scratch = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var file = scratch.Write("afile", "not a folder");
        var cacheFolder = kind switch { "file" => file, "under a file" => Path.Combine(file, "cache"), _ => "/proc/self" };
        var generator = new HashingEmbeddingGenerator { HoldDocuments = new TaskCompletionSource() };
        using var index = new CorpusIndex(
            Options.Create(new CorpusOptions { Folder = corpus.Path, CacheFolder = cacheFolder }),
            Options.Create(new RetrievalOptions()),
            new InMemoryVectorStore(),
            generator);

        var started = await index.BuildAsync(cancellationToken: Ct);

        // Before a single passage is embedded: the warning says what is wrong and what to do.
        Assert.Equal(0, generator.EmbeddedTexts);
        var warning = index.Embedding.CacheWarning;
        Assert.NotNull(warning);
        Assert.StartsWith($"{cacheFolder}: embedding cache folder {problem}", warning, StringComparison.Ordinal);
        Assert.Contains("lost at exit", warning, StringComparison.Ordinal);
        Assert.EndsWith("Set Corpus:CacheFolder to a writable folder", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(warning, started.Warnings); // shown from the progress (chat, index, /api/status), once

        generator.HoldDocuments.SetResult();
        var report = await index.WaitForVectorsAsync(Ct);
        Assert.True(report.DenseAvailable);
        Assert.Equal(2, report.Embedded);
        Assert.Single(report.Warnings, w => w == warning);
        Assert.Equal(warning, index.Embedding.CacheWarning);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public async Task A_run_stopped_before_its_first_batch_and_an_empty_corpus_leave_no_cache_file()
    {
        // A quick `ask` answers from BM25 and exits while the first batch is still embedding: it used to leave an
        // empty embeddings-*.bin in the checkout's .cache/ (a console test did, on every run).
        using var corpus = new TempFolder();
        using var empty = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var options = new RetrievalOptions { EmbeddingCacheSaveInterval = TimeSpan.Zero };
        var stalled = new BatchCountingGenerator(stopAfterBatches: 0);
        var index = CreateIndex(corpus, cache, null, options, stalled);
        await index.BuildAsync(cancellationToken: Ct);
        await stalled.Stopped.Task.WaitAsync(Ct);
        index.Dispose();
        using (var emptyIndex = CreateIndex(empty, cache, new HashingEmbeddingGenerator(), options))
        {
            await emptyIndex.WaitForVectorsAsync(Ct);
        }

        Assert.Empty(Directory.GetFiles(cache.Path));
    }

    [Fact]
    public async Task Rebuilds_update_one_collection_per_corpus_and_model_in_place()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        WritePapers(corpus, "b.jsonl", "Retrieval Augmentation", "Protein Folding");
        var generator = new HashingEmbeddingGenerator();
        var store = new InMemoryVectorStore();
        using var index = CreateIndex(corpus, cache, generator, store: store);
        await index.WaitForVectorsAsync(Ct);
        var names = await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct);
        Assert.Equal(2, names.Count);
        Assert.Matches("^passages-[0-9a-f]{16}$", names[0]);
        Assert.Equal(names[0].Replace("passages-", "sentences-", StringComparison.Ordinal), names[1]);

        // One paper changed, one removed: the same collections, holding exactly the current passages.
        WritePapers(corpus, "b.jsonl", "Protein Folding Revisited");
        await index.BuildAsync(cancellationToken: Ct);
        await index.WaitForVectorsAsync(Ct);

        Assert.Equal(names, await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        var collection = store.GetCollection<string, PassageVectorRecord>(names[0], PassageVectorRecord.CreateDefinition(64));
        var stored = await collection.GetAsync(r => true, 100, new FilteredRecordRetrievalOptions<PassageVectorRecord> { IncludeVectors = true }, Ct).ToListAsync(Ct);
        Assert.Equal(index.Passages.Select(p => p.Id).Order(StringComparer.Ordinal), stored.Select(r => r.Id).Order(StringComparer.Ordinal));
        var revised = Assert.Single(stored, r => r.Title == "Protein Folding Revisited");
        var expected = (await generator.GenerateAsync([CorpusIndex.EmbeddingText(revised.Title, index.Passages.Single(p => p.Id == revised.Id))], cancellationToken: Ct))[0].Vector;
        Assert.Equal(1, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(expected.Span, revised.Vector.Span), 5);

        // The removed paper's sentences are gone from the sentence collection; the new paper's are there.
        var gone = await index.GetAsync(["We study retrieval augmentation in depth and report results."], Ct);
        var present = await index.GetAsync(["We study protein folding revisited in depth and report results."], Ct);
        Assert.Empty(gone);
        Assert.Single(present);
    }

    internal static CorpusIndex CreateIndex(TempFolder corpus, TempFolder cache, HashingEmbeddingGenerator? generator, RetrievalOptions? options = null, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? other = null, InMemoryVectorStore? store = null, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null) =>
        new(
            Options.Create(new CorpusOptions { Folder = corpus.Path, CacheFolder = cache.Path }),
            Options.Create(options ?? new RetrievalOptions()),
            store ?? new InMemoryVectorStore(),
            (Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>?)generator ?? other,
            loggerFactory: loggerFactory);

    internal static HybridPaperRetriever CreateRetriever(CorpusIndex index, HashingEmbeddingGenerator? generator, RetrievalOptions? options = null) =>
        new(index, Options.Create(options ?? new RetrievalOptions()), generator);

    internal static void WritePapers(TempFolder folder, string file, params string[] titles) =>
        folder.Write(file, string.Join('\n', titles.Select(t =>
            $$"""{"title": "{{t}}", "abstract": "This paper is about {{t.ToLowerInvariant()}}. We study {{t.ToLowerInvariant()}} in depth and report results."}""")));

    /// <summary>Embeds like <see cref="HashingEmbeddingGenerator"/> ("batch-counting"), then hangs after a number of batches until cancelled.</summary>
    private sealed class BatchCountingGenerator(int stopAfterBatches) : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        private readonly HashingEmbeddingGenerator _inner = new("batch-counting");
        private int _batches;

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (_batches++ >= stopAfterBatches)
            {
                Stopped.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await _inner.GenerateAsync(values, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

        public void Dispose() => _inner.Dispose();
    }

    private sealed class SynchronousProgress(Action<IndexProgress> report) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value) => report(value);
    }
}
