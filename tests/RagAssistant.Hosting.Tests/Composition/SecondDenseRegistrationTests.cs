using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Core.Retrieval;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Hosting.Tests.Composition;

/// <summary>
/// The application's second dense retriever: with the bundled embedder, all-MiniLM-L6-v2 is registered under
/// <see cref="RetrievalOptions.SecondDenseKey"/> beside arctic-embed-xs, and the index embeds the corpus with both.
/// </summary>
public sealed class SecondDenseRegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Trait("Category", "EndToEnd")]
    [Fact]
    public async Task The_bundled_provider_registers_minilm_as_the_second_dense_retriever_and_the_index_embeds_with_both()
    {
        using var corpus = Corpus();
        using var cache = new TempFolder();
        using var provider = Build(new() { ["Corpus:Folder"] = corpus.Path, ["Corpus:CacheFolder"] = cache.Path });

        var second = provider.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(RetrievalOptions.SecondDenseKey);
        var report = await provider.GetRequiredService<ICorpusIndex>().WaitForVectorsAsync(Ct);
        var result = await provider.GetRequiredService<IPaperRetriever>().SearchAsync("How do draft models speed up decoding?", cancellationToken: Ct);

        var minilm = Assert.IsType<MiniLmEmbeddingGenerator>(second);
        Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, (await minilm.GenerateAsync(["speculative decoding"], cancellationToken: Ct))[0].Vector.Length);
        Assert.True(report.DenseAvailable);
        Assert.True(provider.GetRequiredService<CorpusIndex>().SecondDenseAvailable);

        // One cache file per model: arctic-embed-xs's (passages and sentences) and all-MiniLM-L6-v2's (passages).
        Assert.Equal(2, Directory.GetFiles(cache.Path, "embeddings-*.bin").Length);
        Assert.Equal(RetrieverKind.Hybrid, result.Mode);
        Assert.Equal("Speculative Decoding", result.Hits[0].Paper.Title);
    }

    [Trait("Category", "EndToEnd")]
    [Fact]
    public async Task A_second_dense_weight_of_zero_embeds_the_corpus_once()
    {
        using var corpus = Corpus();
        using var cache = new TempFolder();
        using var provider = Build(new() { ["Corpus:Folder"] = corpus.Path, ["Corpus:CacheFolder"] = cache.Path, ["Retrieval:SecondDenseWeight"] = "0" });

        var report = await provider.GetRequiredService<ICorpusIndex>().WaitForVectorsAsync(Ct);

        Assert.True(report.DenseAvailable);
        Assert.False(provider.GetRequiredService<CorpusIndex>().SecondDenseAvailable);
        Assert.Single(Directory.GetFiles(cache.Path, "embeddings-*.bin"));
    }

    [Fact]
    public void No_embedding_provider_registers_no_second_dense_retriever()
    {
        using var provider = Build(new() { ["EmbeddingModel:Provider"] = "None", ["Corpus:Folder"] = Path.GetTempPath() });

        Assert.Null(provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Null(provider.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(RetrievalOptions.SecondDenseKey));
    }

    private static TempFolder Corpus()
    {
        var corpus = new TempFolder();
        corpus.Write("a.jsonl", string.Join('\n', new[]
        {
            ("Speculative Decoding", "A small draft model proposes tokens that the large target model verifies in one pass, so decoding is faster."),
            ("Protein Folding", "Structure prediction of proteins from their amino acid sequence."),
            ("Speech Recognition", "Acoustic models transcribe spoken audio into text."),
        }.Select(p => $$"""{"title": "{{p.Item1}}", "abstract": "{{p.Item2}}"}""")));
        return corpus;
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings[CommandLineOverrides.RetrievalOnlyKey] = "true";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddRagAssistant(configuration);
        return services.BuildServiceProvider();
    }
}
