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

    [Theory]
    [InlineData("Retrieval:TopK", "0", "TopK")]
    [InlineData("Retrieval:PassageOverlapTokens", "500", "PassageOverlapTokens")]
    [InlineData("Retrieval:Bm25:B", "3", "B")]
    [InlineData("Retrieval:CrowdedSentenceScoreScale", "5", "CrowdedSentenceScoreScale")]
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

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        configure?.Invoke(services);
        services.AddRagRetrieval(configuration);
        return services.BuildServiceProvider();
    }
}
