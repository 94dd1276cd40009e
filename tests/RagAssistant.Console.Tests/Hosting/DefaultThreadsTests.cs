using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Hosting.Composition;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.Onnx.Embeddings;
using RagAssistant.Testing.Files;

namespace RagAssistant.Console.Tests.Hosting;

/// <summary>The chat model and the embedder get one default thread count, the physical cores; a setting still wins.</summary>
[Trait("Category", "EndToEnd")]
public sealed class DefaultThreadsTests
{
    [Fact]
    public void Unset_threads_are_the_physical_cores_for_both_the_chat_model_and_the_bundled_embedder()
    {
        using var services = Build(chatThreads: null);

        Assert.InRange(PhysicalCores.Count, 1, Environment.ProcessorCount);
        Assert.Equal(PhysicalCores.Count, services.GetRequiredService<LlamaChatClient>().Threads);
        Assert.Equal(PhysicalCores.Count, services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GetService<ArcticEmbeddingGenerator>()!.Threads);
    }

    [Fact]
    public void A_thread_count_in_the_settings_is_kept()
    {
        using var services = Build(chatThreads: "3");

        Assert.Equal(3, services.GetRequiredService<LlamaChatClient>().Threads);
    }

    private static ServiceProvider Build(string? chatThreads)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ChatModel:ModelPath"] = TestPaths.Stories,
            ["ChatModel:ContextSize"] = "256",
            ["ChatModel:Threads"] = chatThreads,
            ["EmbeddingModel:Provider"] = "Bundled",
            ["Corpus:Folder"] = Path.GetTempPath(),
        }).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddRagAssistant(configuration).BuildServiceProvider();
    }
}
