using System.Diagnostics;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Retrieval.Bench;

/// <summary>How exact search time grows with the number of vectors (random unit vectors of the real dimension).</summary>
internal static class ScalingBenchmark
{
    public static IReadOnlyList<ScalingResult> Run(IReadOnlyList<int> sizes, int dimensions, int queries, int top)
    {
        var random = new Random(42);
        var results = new List<ScalingResult>();
        foreach (var size in sizes)
        {
            var index = new ExactVectorIndex(dimensions, normalize: true, initialCapacity: size);
            var build = Stopwatch.StartNew();
            for (var i = 0; i < size; i++)
            {
                index.Add(RandomEmbeddingGenerator.Vector(random, dimensions));
            }

            build.Stop();
            var queryVectors = Enumerable.Range(0, queries).Select(_ => RandomEmbeddingGenerator.Vector(random, dimensions)).ToList();
            index.Search(queryVectors[0], top); // warm-up
            var samples = new List<double>(queries);
            foreach (var query in queryVectors)
            {
                var watch = Stopwatch.StartNew();
                index.Search(query, top);
                samples.Add(watch.Elapsed.TotalMilliseconds);
            }

            var megabytes = Math.Round((double)size * dimensions * sizeof(float) / (1024 * 1024), 1);
            results.Add(new ScalingResult(size, dimensions, megabytes, Math.Round(build.Elapsed.TotalMilliseconds, 1), LatencySummary.Of(samples)));
        }

        return results;
    }
}

internal sealed record ScalingResult(int Vectors, int Dimensions, double VectorMemoryMb, double InsertMs, LatencySummary Search);
