using Microsoft.Extensions.Options;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Onnx.Tests;

/// <summary>Retrieval with the real bundled model, on small subsets of the shipped corpus and the dev questions.</summary>
[Collection(BundledModelCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class BundledRetrievalTests(BundledModel model)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dense_beats_bm25_on_the_paraphrase_questions_and_hybrid_is_at_least_as_good_as_both()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        using var set = new TempFolder();
        var paraphrase = EvalQuestion.ReadSet(TestPaths.RequireDevSet(), []).Where(q => q.Kind == "paraphrase").ToList();
        await DevData.WriteSubsetAsync(corpus.Path, paraphrase, distractors: 40, Ct);
        var setPath = Path.Combine(set.Path, "paraphrase.jsonl");
        await File.WriteAllLinesAsync(setPath, paraphrase.Select(q => System.Text.Json.JsonSerializer.Serialize(q)), Ct);
        using var index = DevData.CreateIndex(corpus.Path, cache.Path, model.Generator);
        await index.WaitForVectorsAsync(Ct);
        var evaluator = new RetrievalEvaluator(new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), model.Generator), index, index);

        var bm25 = (await evaluator.EvaluateAsync(setPath, RetrieverKind.Bm25, Ct)).Overall;
        var dense = (await evaluator.EvaluateAsync(setPath, RetrieverKind.Dense, Ct)).Overall;
        var hybrid = (await evaluator.EvaluateAsync(setPath, RetrieverKind.Hybrid, Ct)).Overall;

        var numbers = $"BM25 {bm25}, dense {dense}, hybrid {hybrid}";
        Assert.True(dense.MrrAt10 > bm25.MrrAt10, numbers);
        Assert.True(hybrid.RecallAt5 >= Math.Max(bm25.RecallAt5, dense.RecallAt5), numbers);
        Assert.True(hybrid.RecallAt10 >= Math.Max(bm25.RecallAt10, dense.RecallAt10), numbers);
        Assert.True(hybrid.MrrAt10 >= Math.Max(bm25.MrrAt10, dense.MrrAt10), numbers);
    }

    [Fact]
    public async Task The_second_dense_retriever_and_its_token_match_rank_reworded_questions_better_and_hybrid_stays_above_each_part()
    {
        // The shipped corpus and the hardest set (paraphrases that use none of the title's words): arctic alone finds
        // few of them, all-MiniLM-L6-v2 more, and its token-level match (made after its passage vectors, in the
        // background) more again; fused, all count (cross-validated in the Retrieval README).
        using var cache = new TempFolder();
        var set = Path.Combine(TestPaths.RepositoryRoot, "data", "eval", "reworded.jsonl");
        using var index = DevData.CreateIndex(TestPaths.ShippedCorpus, cache.Path, model.Generator, second: model.Second);
        await index.WaitForVectorsAsync(Ct);
        Assert.True(index.SecondDenseAvailable);
        Assert.True(index.TokenMatchAvailable);
        RetrievalEvaluator Evaluator(RetrievalOptions options, bool second = true) =>
            new(new HybridPaperRetriever(index, Options.Create(options), model.Generator, secondEmbeddingGenerator: second ? model.Second : null), index, index);

        var all = await Evaluator(new RetrievalOptions()).EvaluateAsync(set, RetrieverKind.Hybrid, Ct);
        var pooled = await Evaluator(new RetrievalOptions { TokenMatchWeight = 0 }).EvaluateAsync(set, RetrieverKind.Hybrid, Ct);
        var arcticOnly = await Evaluator(new RetrievalOptions(), second: false).EvaluateAsync(set, RetrieverKind.Hybrid, Ct);
        var bm25 = (await Evaluator(new RetrievalOptions()).EvaluateAsync(set, RetrieverKind.Bm25, Ct)).Overall;
        var dense = (await Evaluator(new RetrievalOptions()).EvaluateAsync(set, RetrieverKind.Dense, Ct)).Overall;

        var numbers = $"hybrid with the token match {all.Overall} (paraphrase {all.ByKind["paraphrase"]}), without it {pooled.Overall} (paraphrase {pooled.ByKind["paraphrase"]}), without the second {arcticOnly.Overall} (paraphrase {arcticOnly.ByKind["paraphrase"]}), BM25 {bm25}, dense {dense}";
        TestContext.Current.TestOutputHelper?.WriteLine(numbers);
        Assert.True(pooled.Overall.MrrAt10 > arcticOnly.Overall.MrrAt10, numbers);
        Assert.True(pooled.ByKind["paraphrase"].RecallAt5 > arcticOnly.ByKind["paraphrase"].RecallAt5, numbers);
        Assert.True(all.Overall.MrrAt10 >= pooled.Overall.MrrAt10 + 0.05, numbers);
        Assert.True(all.ByKind["paraphrase"].RecallAt5 > pooled.ByKind["paraphrase"].RecallAt5, numbers);
        Assert.True(all.ByKind["paraphrase"].RecallAt10 >= pooled.ByKind["paraphrase"].RecallAt10, numbers);
        Assert.True(all.Overall.RecallAt5 >= Math.Max(bm25.RecallAt5, dense.RecallAt5) - 0.02, numbers);
        Assert.True(all.Overall.RecallAt10 >= Math.Max(bm25.RecallAt10, dense.RecallAt10) - 0.02, numbers);
        Assert.True(all.Overall.MrrAt10 >= Math.Max(bm25.MrrAt10, dense.MrrAt10) - 0.02, numbers);
    }

    [Fact]
    public async Task Changing_the_embedder_invalidates_only_its_own_cache()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var lexical = EvalQuestion.ReadSet(TestPaths.RequireDevSet(), []).Where(q => q.Kind == "lexical").Take(3).ToList();
        await DevData.WriteSubsetAsync(corpus.Path, lexical, distractors: 3, Ct);
        using (var first = DevData.CreateIndex(corpus.Path, cache.Path, model.Generator))
        {
            Assert.Equal(6, (await first.WaitForVectorsAsync(Ct)).Embedded);
        }

        var bundledCache = Assert.Single(Directory.GetFiles(cache.Path));
        var written = File.GetLastWriteTimeUtc(bundledCache);
        using var other = new OtherEmbeddingGenerator();
        using (var second = DevData.CreateIndex(corpus.Path, cache.Path, other))
        {
            var report = await second.WaitForVectorsAsync(Ct);
            Assert.Equal((6, 0), (report.Embedded, report.FromCache)); // nothing of the bundled model's cache is reused
        }

        Assert.Equal(2, Directory.GetFiles(cache.Path).Length);
        Assert.Equal(written, File.GetLastWriteTimeUtc(bundledCache)); // and its file is left alone
        using var third = DevData.CreateIndex(corpus.Path, cache.Path, model.Generator);
        var again = await third.WaitForVectorsAsync(Ct);
        Assert.Equal((0, 6), (again.Embedded, again.FromCache));
    }

    [Fact]
    public async Task In_background_indexing_answers_come_before_the_vectors_and_are_hybrid_after_with_progress_reported()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var questions = EvalQuestion.ReadSet(TestPaths.RequireDevSet(), []).Where(q => q.Kind == "lexical").Take(2).ToList();
        await DevData.WriteSubsetAsync(corpus.Path, questions, distractors: 30, Ct);
        using var index = DevData.CreateIndex(corpus.Path, cache.Path, model.Generator, new RetrievalOptions { EmbeddingBatchSize = 4 });
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), model.Generator);

        await index.BuildAsync(cancellationToken: Ct);
        var early = await retriever.SearchAsync(questions[0].Question, cancellationToken: Ct);
        var seen = new List<EmbeddingProgress>();
        while (index.Embedding.IsPending)
        {
            seen.Add(index.Embedding);
            await Task.Delay(20, Ct);
        }

        var late = await retriever.SearchAsync(questions[0].Question, cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Bm25, early.Mode);
        Assert.Contains("still being built", early.Notice, StringComparison.Ordinal);
        Assert.Equal(questions[0].GoldTitles[0], early.Hits[0].Paper.Title);
        Assert.Equal((RetrieverKind.Hybrid, null), (late.Mode, late.Notice));
        Assert.Equal(questions[0].GoldTitles[0], late.Hits[0].Paper.Title);
        Assert.Equal((EmbeddingState.Ready, 32, 32), (index.Embedding.State, index.Embedding.Done, index.Embedding.Total));
        Assert.Contains(seen, p => p.Done > 0 && p.Done < 32 && p.PassagesPerSecond > 0 && p.Eta is not null);
    }

    /// <summary>Another "model": a different identity, so a different cache file.</summary>
    private sealed class OtherEmbeddingGenerator : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        public Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>(
                values.Select(v => new Microsoft.Extensions.AI.Embedding<float>(new[] { v.Length, 1f, 0.5f }))));

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(Microsoft.Extensions.AI.EmbeddingGeneratorMetadata) ? new Microsoft.Extensions.AI.EmbeddingGeneratorMetadata("test", null, "other", 3) : null;

        public void Dispose()
        {
        }
    }
}
