using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Onnx.Tests;

/// <summary>The loaded bundled models for the whole test assembly (loading takes a second or two): arctic-embed-xs, and all-MiniLM-L6-v2, the second dense retriever.</summary>
public sealed class BundledModel : IDisposable
{
    public BundledModel()
    {
        Logger = new FakeLogger<ArcticEmbeddingGenerator>();
        Generator = new ArcticEmbeddingGenerator(Options.Create(new ArcticEmbeddingGeneratorOptions()), Logger);
        Second = new MiniLmEmbeddingGenerator(Options.Create(new ArcticEmbeddingGeneratorOptions()));
    }

    public ArcticEmbeddingGenerator Generator { get; }

    public MiniLmEmbeddingGenerator Second { get; }

    public FakeLogger<ArcticEmbeddingGenerator> Logger { get; }

    public void Dispose()
    {
        Generator.Dispose();
        Second.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BundledModelCollection : ICollectionFixture<BundledModel>
{
    public const string Name = "bundled model";
}

/// <summary>Corpora for the bundled model: the shipped corpus, and subsets of it for dev-set questions.</summary>
internal static class DevData
{
    /// <summary>All papers of the shipped corpus (BM25-only index: no embedding).</summary>
    public static async Task<IReadOnlyList<Paper>> LoadPapersAsync(CancellationToken cancellationToken)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(TestPaths.ShippedCorpus, cache.Path, generator: null);
        await index.BuildAsync(cancellationToken: cancellationToken);
        return index.Papers;
    }

    /// <summary>
    /// Writes a small corpus: the gold papers of <paramref name="questions"/> plus the first
    /// <paramref name="distractors"/> other papers of the shipped corpus, as JSONL (title and abstract).
    /// </summary>
    public static async Task WriteSubsetAsync(string folder, IReadOnlyList<EvalQuestion> questions, int distractors, CancellationToken cancellationToken)
    {
        var papers = await LoadPapersAsync(cancellationToken);
        var gold = questions.SelectMany(q => q.GoldTitles).Select(PaperIdentity.NormalizeTitle).ToHashSet(StringComparer.Ordinal);
        var chosen = papers.Where(p => gold.Contains(PaperIdentity.NormalizeTitle(p.Title)))
            .Concat(papers.Where(p => !gold.Contains(PaperIdentity.NormalizeTitle(p.Title))).Take(distractors));
        await File.WriteAllLinesAsync(
            Path.Combine(folder, "subset.jsonl"),
            chosen.Select(p => System.Text.Json.JsonSerializer.Serialize(new { title = p.Title, @abstract = p.Abstract })),
            cancellationToken);
    }

    public static CorpusIndex CreateIndex(string corpus, string cache, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? generator, RetrievalOptions? options = null, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? second = null) =>
        new(
            Options.Create(new CorpusOptions { Folder = corpus, CacheFolder = cache }),
            Options.Create(options ?? new RetrievalOptions()),
            new InMemoryVectorStore(),
            generator,
            secondEmbeddingGenerator: second);
}

/// <summary>The check both bundled embedders pass against their package's own encoder.</summary>
internal static class PackageVectors
{
    /// <summary>Asserts one unit vector of <paramref name="dimensions"/> per text, each the package's own (cosine over 0.9999), in input order.</summary>
    public static void AssertSame(float[][] expected, Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>> actual, int dimensions)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(dimensions, actual[i].Vector.Length);
            Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(expected[i], actual[i].Vector.Span) > 0.9999f, $"text {i}");
            Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(actual[i].Vector.Span), 3);
        }
    }
}
