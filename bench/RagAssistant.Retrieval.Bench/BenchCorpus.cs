using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Corpus;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Retrieval.Bench;

/// <summary>Builds indexes over the shipped corpus for the benchmarks.</summary>
internal static class BenchCorpus
{
    /// <summary>The shipped corpus folder, found by walking up from the binaries.</summary>
    public static string FindFolder(string? corpus) => corpus ?? new CorpusOptions().ResolveFolder();

    /// <summary>The dev set beside the repository (../shared/eval/dev.jsonl), or null.</summary>
    public static string? FindDevSet()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "eval", "dev.jsonl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static CorpusIndex CreateIndex(string folder, string cacheFolder, RetrievalOptions options, IEmbeddingGenerator<string, Embedding<float>>? generator) =>
        new(
            Options.Create(new CorpusOptions { Folder = folder, CacheFolder = cacheFolder }),
            Options.Create(options),
            new InMemoryVectorStore(),
            generator);
}
