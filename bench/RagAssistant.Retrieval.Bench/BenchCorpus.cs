using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Retrieval.Bench;

/// <summary>Builds indexes over the shipped corpus for the benchmarks.</summary>
internal static class BenchCorpus
{
    /// <summary>The shipped corpus folder, found by walking up from the binaries.</summary>
    public static string FindFolder(string? corpus) => corpus ?? new CorpusOptions().ResolveFolder();

    /// <summary>The dev set beside the repository (../shared/eval/dev.jsonl), or null.</summary>
    public static string? FindDevSet() => FindAbove(Path.Combine("shared", "eval", "dev.jsonl"));

    /// <summary>The held-out set committed with the repository (data/eval/heldout.jsonl), or null.</summary>
    public static string? FindHeldOutSet() => FindAbove(Path.Combine("data", "eval", "heldout.jsonl"));

    /// <summary>The project's reworded set (<c>data/eval/reworded.jsonl</c>): paraphrases that avoid the title's and abstract's words.</summary>
    public static string? FindRewordedSet() => FindAbove(Path.Combine("data", "eval", "reworded.jsonl"));

    /// <summary>data/eval/offtopic.jsonl: general questions off the corpus's subject, all unanswerable.</summary>
    public static string? FindOffTopicSet() => FindAbove(Path.Combine("data", "eval", "offtopic.jsonl"));

    // The first folder above the binaries holding relativePath.
    private static string? FindAbove(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The repository's embedding cache folder (.cache beside data/), shared with the console and service.</summary>
    public static string CacheFolder() => new CorpusOptions().ResolveCacheFolder();

    /// <summary>The bundled embedder and an index over <paramref name="folder"/> with every vector ready (cached in <paramref name="cacheFolder"/>).</summary>
    public static async Task<(ArcticEmbeddingGenerator Generator, CorpusIndex Index)> CreateBundledIndexAsync(string folder, string cacheFolder, CancellationToken cancellationToken)
    {
        var generator = new ArcticEmbeddingGenerator(Options.Create(new ArcticEmbeddingGeneratorOptions()));
        var index = CreateIndex(folder, cacheFolder, new RetrievalOptions(), generator);
        await index.WaitForVectorsAsync(cancellationToken);
        return (generator, index);
    }

    public static CorpusIndex CreateIndex(string folder, string cacheFolder, RetrievalOptions options, IEmbeddingGenerator<string, Embedding<float>>? generator, IEmbeddingGenerator<string, Embedding<float>>? second = null) =>
        new(
            Options.Create(new CorpusOptions { Folder = folder, CacheFolder = cacheFolder }),
            Options.Create(options),
            new InMemoryVectorStore(),
            generator,
            secondEmbeddingGenerator: second);
}
