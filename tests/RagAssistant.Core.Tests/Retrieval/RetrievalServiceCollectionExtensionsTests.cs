using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Ingestion;

namespace RagAssistant.Core.Tests.Retrieval;

public sealed class RetrievalServiceCollectionExtensionsTests
{
    [Fact]
    public async Task Registers_the_index_catalog_retriever_and_vector_store_without_a_model()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers");
        using var provider = Build(new() { ["Corpus:Folder"] = corpus.Path, ["Corpus:CacheFolder"] = cache.Path, ["Retrieval:TopK"] = "3" });

        var index = provider.GetRequiredService<ICorpusIndex>();
        Assert.Same(index, provider.GetRequiredService<IPaperCatalog>());
        Assert.NotNull(provider.GetRequiredService<Microsoft.Extensions.VectorData.VectorStore>());
        Assert.NotNull(provider.GetRequiredService<RetrievalEvaluator>());
        await index.WaitForVectorsAsync(TestContext.Current.CancellationToken);
        var result = await provider.GetRequiredService<IPaperRetriever>().SearchAsync("pruning", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(RetrieverKind.Bm25, result.Mode);
        Assert.Equal(3, provider.GetRequiredService<IOptions<RetrievalOptions>>().Value.TopK);
    }

    [Fact]
    public async Task Uses_a_registered_embedding_generator()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers");
        using var provider = Build(new() { ["Corpus:Folder"] = corpus.Path, ["Corpus:CacheFolder"] = cache.Path }, services =>
            services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator()));

        var report = await provider.GetRequiredService<ICorpusIndex>().WaitForVectorsAsync(TestContext.Current.CancellationToken);

        Assert.True(report.DenseAvailable);
        var result = await provider.GetRequiredService<IPaperRetriever>().SearchAsync("pruning", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(RetrieverKind.Hybrid, result.Mode);
    }

    [Fact]
    public async Task A_keyed_second_embedding_generator_is_used_by_the_index_and_the_retriever()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var second = new SecondDenseRegistration();
        using var provider = Build(new() { ["Corpus:Folder"] = corpus.Path, ["Corpus:CacheFolder"] = cache.Path }, services =>
        {
            services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator());
            second.Register(services);
        });

        await provider.GetRequiredService<ICorpusIndex>().WaitForVectorsAsync(TestContext.Current.CancellationToken);
        var result = await provider.GetRequiredService<IPaperRetriever>().SearchAsync("speech", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(RetrieverKind.Hybrid, result.Mode);
        Assert.Equal(1, second.Resolutions);
        Assert.Equal(2 + 1, second.Generator.EmbeddedTexts); // the index's two passages, then the retriever's query
        Assert.Equal(1, second.Generator.InputTypes.Count(t => t == EmbeddingInputType.Query));
        Assert.NotNull(provider.GetRequiredService<CorpusIndex>().Snapshot!.SecondVectors);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("0.5", false)]
    public async Task The_keyed_second_generator_is_never_resolved_at_weight_zero_or_without_a_first_embedder(string weight, bool withFirst)
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var second = new SecondDenseRegistration();
        using var provider = Build(new() { ["Corpus:Folder"] = corpus.Path, ["Corpus:CacheFolder"] = cache.Path, ["Retrieval:SecondDenseWeight"] = weight }, services =>
        {
            if (withFirst)
            {
                services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator());
            }

            second.Register(services);
        });

        var report = await provider.GetRequiredService<ICorpusIndex>().WaitForVectorsAsync(TestContext.Current.CancellationToken);
        var result = await provider.GetRequiredService<IPaperRetriever>().SearchAsync("speech", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(withFirst, report.DenseAvailable);
        Assert.Equal(withFirst ? RetrieverKind.Hybrid : RetrieverKind.Bm25, result.Mode);
        Assert.Equal(0, second.Resolutions);
        Assert.Equal(0, second.Generator.EmbeddedTexts);
        Assert.Null(provider.GetRequiredService<CorpusIndex>().Snapshot!.SecondVectors);
    }

    [Theory]
    [InlineData("Retrieval:TopK", "0", "TopK")]
    [InlineData("Retrieval:PassageOverlapTokens", "500", "PassageOverlapTokens")]
    [InlineData("Retrieval:Bm25:B", "3", "B")]
    [InlineData("Retrieval:CrowdedSentenceScoreScale", "5", "CrowdedSentenceScoreScale")]
    [InlineData("Retrieval:SecondDenseWeight", "-1", "SecondDenseWeight")]
    [InlineData("Corpus:Folder", "", "Folder")]
    public void Invalid_options_fail_validation_with_the_setting_named(string key, string value, string expected)
    {
        using var provider = Build(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<RetrievalOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<CorpusOptions>>().Value;
        });
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A second embedder registered under <see cref="RetrievalOptions.SecondDenseKey"/> by a factory that counts its calls.</summary>
    private sealed class SecondDenseRegistration
    {
        public HashingEmbeddingGenerator Generator { get; } = new("hashing-second", 48);

        public int Resolutions { get; private set; }

        public void Register(IServiceCollection services) =>
            services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(RetrievalOptions.SecondDenseKey, (_, _) =>
            {
                Resolutions++;
                return Generator;
            });
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        configure?.Invoke(services);
        services.AddRagRetrieval(configuration);
        return services.BuildServiceProvider();
    }
}
