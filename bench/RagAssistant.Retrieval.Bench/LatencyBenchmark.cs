using System.Diagnostics;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// Query latency over the shipped corpus, excluding the query's own embedding (a stand-in generator returns
/// vectors at no cost), and index build time with a warm embedding cache.
/// </summary>
internal static class LatencyBenchmark
{
    private const int Dimensions = 384;

    public static async Task<LatencyReport> RunAsync(string corpus, string? devSet, int rounds, CancellationToken cancellationToken)
    {
        var cacheFolder = Path.Combine(Path.GetTempPath(), "ragassistant-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new RetrievalOptions();
            var generator = new RandomEmbeddingGenerator(Dimensions);

            var cold = Stopwatch.StartNew();
            using (var first = BenchCorpus.CreateIndex(corpus, cacheFolder, options, generator))
            {
                await first.WaitForVectorsAsync(cancellationToken);
            }

            cold.Stop();
            var warmBuilds = new List<double>();
            Core.Retrieval.CorpusIndex? index = null;
            for (var i = 0; i < 5; i++)
            {
                index?.Dispose();
                index = BenchCorpus.CreateIndex(corpus, cacheFolder, options, generator);
                var watch = Stopwatch.StartNew();
                var report = await index.BuildAsync(cancellationToken: cancellationToken);
                warmBuilds.Add(watch.Elapsed.TotalMilliseconds);
                if (report.Embedded != 0)
                {
                    throw new InvalidOperationException("The warm build embedded passages: the cache did not work.");
                }
            }

            var retriever = new HybridPaperRetriever(index!, Options.Create(options), generator);
            var questions = devSet is null
                ? ["scaling laws for language models", "pruning transformer weights", "retrieval augmented generation"]
                : EvalQuestion.ReadSet(devSet, []).Select(q => q.Question).ToArray();

            // Warm-up: enough calls for tiered JIT to promote the hot paths, then time for the background compiler;
            // first-call costs are start-up, not what a user waits for on each question.
            var kinds = new[] { RetrieverKind.Bm25, RetrieverKind.Dense, RetrieverKind.Hybrid };
            for (var round = 0; round < 5; round++)
            {
                foreach (var kind in kinds)
                {
                    foreach (var question in questions)
                    {
                        await retriever.SearchAsync(question, 10, kind, cancellationToken);
                    }
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            // Kinds are interleaved per question so that machine noise spreads evenly over them.
            var samples = kinds.ToDictionary(k => k, _ => new List<double>());
            GC.Collect();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var question in questions)
                {
                    foreach (var kind in kinds)
                    {
                        var watch = Stopwatch.StartNew();
                        await retriever.SearchAsync(question, 10, kind, cancellationToken);
                        samples[kind].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }

            var results = samples.ToDictionary(p => RetrievalEvalReport.Name(p.Key), p => LatencySummary.Of(p.Value));
            var corpusInfo = new CorpusInfo(index!.Count, index.Passages.Count, Dimensions);
            index.Dispose();
            return new LatencyReport(corpusInfo, Math.Round(cold.Elapsed.TotalMilliseconds, 1), LatencySummary.Of(warmBuilds), results);
        }
        finally
        {
            Directory.Delete(cacheFolder, recursive: true);
        }
    }
}

internal sealed record CorpusInfo(int Papers, int Passages, int Dimensions);

internal sealed record LatencyReport(CorpusInfo Corpus, double ColdBuildMs, LatencySummary WarmBuild, IReadOnlyDictionary<string, LatencySummary> Query);
