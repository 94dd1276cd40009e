using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// Resident memory of an index over synthetic passages: a JSON Lines corpus of one-sentence abstracts (one passage
/// each) is embedded cold by a stand-in generator (random unit vectors), then a second index is built warm from the
/// embedding cache, as a restart does, and measured after a full garbage collection. The cold build runs in a child
/// process, so the measured process holds nothing but the warm index.
/// </summary>
internal static class MemoryBenchmark
{
    public static async Task<MemoryReport> RunAsync(int passages, int dimensions, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "ragassistant-memory-" + Guid.NewGuid().ToString("N"));
        try
        {
            WriteCorpus(Path.Combine(root, "papers"), passages);

            // The cold build runs in a child process, so nothing it leaves behind counts against the measured index.
            var cold = Stopwatch.StartNew();
            using (var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [Environment.GetCommandLineArgs()[0], "memory", "--cold-build", root, "--dimensions", dimensions.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            {
                await child.WaitForExitAsync(cancellationToken);
                if (child.ExitCode != 0)
                {
                    throw new InvalidOperationException($"The cold build exited with {child.ExitCode}.");
                }
            }

            cold.Stop();
            var before = HeapAfterFullCollection();
            var warm = Stopwatch.StartNew();
            using var index = BenchCorpus.CreateIndex(Path.Combine(root, "papers"), Path.Combine(root, "cache"), new RetrievalOptions(), new RandomEmbeddingGenerator(dimensions));
            var report = await index.WaitForVectorsAsync(cancellationToken);
            warm.Stop();
            if (report.Embedded != 0 || !report.DenseAvailable)
            {
                throw new InvalidOperationException($"The warm build embedded {report.Embedded} passages (dense {report.DenseAvailable}): the cache did not work.");
            }

            // Measured from a fresh stack: this continuation may run inline inside the build's completion, whose
            // frames would keep the build's temporaries (the loaded cache among them) alive through the collection.
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            var after = HeapAfterFullCollection();
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            GC.KeepAlive(index);
            return new MemoryReport(
                report.Passages,
                dimensions,
                Megabytes((long)report.Passages * dimensions * sizeof(float)),
                Megabytes(after - before),
                Megabytes(process.WorkingSet64),
                Math.Round(cold.Elapsed.TotalSeconds, 1),
                Math.Round(warm.Elapsed.TotalSeconds, 1));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The child process's job: embeds the corpus under <paramref name="root"/> into its cache.</summary>
    public static async Task ColdBuildAsync(string root, int dimensions, CancellationToken cancellationToken)
    {
        using var index = BenchCorpus.CreateIndex(Path.Combine(root, "papers"), Path.Combine(root, "cache"), new RetrievalOptions(), new RandomEmbeddingGenerator(dimensions));
        await index.WaitForVectorsAsync(cancellationToken);
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        // Aggressive gives the freed segments back to the OS, so the working set read after it is what the index holds.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static double Megabytes(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 1);

    // One paper per line, each abstract one distinct sentence of words drawn from a fixed vocabulary, so BM25 and
    // the sentence vectors are of a realistic size and no two papers are duplicates.
    private static void WriteCorpus(string folder, int passages)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(17);
        var vocabulary = Enumerable.Range(0, 20_000).Select(i => Word(random)).Distinct(StringComparer.Ordinal).ToArray();
        using var writer = new StreamWriter(Path.Combine(folder, "synthetic.jsonl"), append: false, new UTF8Encoding(false));
        var text = new StringBuilder();
        for (var i = 0; i < passages; i++)
        {
            text.Clear();
            for (var w = 0; w < 40; w++)
            {
                text.Append(vocabulary[random.Next(vocabulary.Length)]).Append(' ');
            }

            text.Append(CultureInfo.InvariantCulture, $"number {i}.");
            var title = string.Join(' ', Enumerable.Range(0, 6).Select(_ => vocabulary[random.Next(vocabulary.Length)])) + " " + i.ToString(CultureInfo.InvariantCulture);
            writer.WriteLine(JsonSerializer.Serialize(new { title, @abstract = text.ToString() }));
        }
    }

    private static string Word(Random random)
    {
        Span<char> letters = stackalloc char[random.Next(4, 11)];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = (char)('a' + random.Next(26));
        }

        return new string(letters);
    }
}

/// <summary>Resident memory of one warm-built index.</summary>
/// <param name="Passages">Passages indexed.</param>
/// <param name="Dimensions">Vector length.</param>
/// <param name="OneVectorCopyMb">Size of one copy of the passage vectors (passages × dimensions × 4 bytes).</param>
/// <param name="IndexHeapMb">GC heap growth from before the warm build to after it, each after a full collection.</param>
/// <param name="WorkingSetMb">Process working set after the warm build.</param>
/// <param name="ColdBuildSeconds">Cold build (stand-in embedder, cache written) time.</param>
/// <param name="WarmBuildSeconds">Warm build (every vector from the cache) time, vectors included.</param>
internal sealed record MemoryReport(int Passages, int Dimensions, double OneVectorCopyMb, double IndexHeapMb, double WorkingSetMb, double ColdBuildSeconds, double WarmBuildSeconds);
