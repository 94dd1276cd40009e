using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>The pipeline's collaborators come through its constructor, never out of a <see cref="Kernel"/>'s services.</summary>
public sealed class ConstructorInjectionTests
{
    [Fact]
    public void A_chat_client_only_in_a_registered_kernels_container_is_not_used()
    {
        var kernelBuilder = Kernel.CreateBuilder();
        kernelBuilder.Services.AddSingleton<IChatClient>(new ScriptedChatClient(["unused"]));
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<IPaperRetriever>(new FakeRetriever([]));
        services.AddSingleton(kernelBuilder.Build());
        services.AddRagAnswering(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Answering:PromptsFolder"] = PipelineHarness.Prompts }).Build());
        using var provider = services.BuildServiceProvider();

        Assert.Equal(AnswerMode.RetrievalOnly, provider.GetRequiredService<AnswerPipeline>().Mode);
        Assert.Equal(AnswerMode.Generated, PipelineHarness.Create(new FakeRetriever([]), new ScriptedChatClient(["used"])).Mode);
    }
}
