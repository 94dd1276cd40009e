using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Startup;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Console.Tests.Hosting;

public sealed class EmbeddingProviderTests
{
    [Theory]
    [InlineData(null, nameof(EmbeddingProvider.Bundled))]
    [InlineData("Bundled", nameof(EmbeddingProvider.Bundled))]
    [InlineData("gguf", nameof(EmbeddingProvider.Gguf))]
    [InlineData("None", nameof(EmbeddingProvider.None))]
    public void The_provider_defaults_to_the_bundled_model(string? configured, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["EmbeddingModel:Provider"] = configured }).Build();

        // By name: the provider enum is the composition's own (internal), and a theory's parameters must be public.
        Assert.Equal(Enum.Parse<EmbeddingProvider>(expected), ModelProviders.ResolveEmbedding(configuration, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void A_gguf_file_on_the_command_line_means_gguf_and_an_unknown_provider_is_a_clear_error()
    {
        var named = new ConfigurationBuilder().AddInMemoryCollection(new CommandLineOverrides(EmbeddingModelPath: "bge.gguf").ToConfiguration()).Build();
        var unknown = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["EmbeddingModel:Provider"] = "Openai" }).Build();

        Assert.Equal(EmbeddingProvider.Gguf, ModelProviders.ResolveEmbedding(named, out _));
        ModelProviders.ResolveEmbedding(unknown, out var error);
        Assert.Contains("use Bundled (the built-in model), Gguf", error, StringComparison.Ordinal);
    }

    [Trait("Category", "EndToEnd")]
    [Fact]
    public async Task Bundled_registers_the_onnx_generator_with_no_download_notice_and_none_registers_no_generator()
    {
        using var bundled = Build("Bundled");
        using var none = Build("None");

        Assert.NotNull(bundled.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GetService<ArcticEmbeddingGenerator>());
        var runtime = await bundled.GetRequiredService<AssistantStartup>().LoadModelsAsync(TestContext.Current.CancellationToken);
        Assert.Equal("arctic-embed-xs + all-MiniLM-L6-v2 (bundled, ONNX Runtime)", runtime.EmbeddingModelDescription);
        Assert.DoesNotContain(runtime.Notices, n => n.Contains("download embedding", StringComparison.Ordinal));
        Assert.Null(none.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Contains((await none.GetRequiredService<AssistantStartup>().LoadModelsAsync(TestContext.Current.CancellationToken)).Notices, n => n.Contains("BM25 (keyword) only", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "arctic-embed-xs + all-MiniLM-L6-v2 (bundled, ONNX Runtime)")]
    [InlineData("0.5", "arctic-embed-xs + all-MiniLM-L6-v2 (bundled, ONNX Runtime)")]
    [InlineData("0", "arctic-embed-xs (bundled, ONNX Runtime)")]
    public void The_bundled_description_names_the_second_dense_retriever_only_while_it_ranks(string? weight, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Retrieval:SecondDenseWeight"] = weight }).Build();

        Assert.Equal(expected, BundledEmbedder.Description(configuration));
        Assert.Equal(weight != "0", BundledEmbedder.IsSecondInUse(configuration));
    }

    private static ServiceProvider Build(string provider)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EmbeddingModel:Provider"] = provider,
            [CommandLineOverrides.RetrievalOnlyKey] = "true",
            ["Corpus:Folder"] = Path.GetTempPath(),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddRagAssistant(configuration);
        return services.BuildServiceProvider();
    }
}
