using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>The pipeline's collaborators come through its constructor, never out of <see cref="Kernel.Services"/>.</summary>
public sealed class ConstructorInjectionTests
{
    [Fact]
    public void A_chat_client_only_in_the_kernels_container_is_not_used()
    {
        var kernelBuilder = Kernel.CreateBuilder();
        kernelBuilder.Services.AddSingleton<IChatClient>(new ScriptedChatClient(["unused"]));

        var pipeline = new AnswerPipeline(
            kernelBuilder.Build(),
            new FakeRetriever([]),
            AnswerPromptTemplates.Load(PipelineHarness.Prompts),
            Options.Create(new AnsweringOptions()),
            Options.Create(new AssistantOptions()),
            NullLogger<AnswerPipeline>.Instance);

        Assert.Equal(AnswerMode.RetrievalOnly, pipeline.Mode);
        Assert.Equal(AnswerMode.Generated, PipelineHarness.Create(new FakeRetriever([]), new ScriptedChatClient(["used"])).Mode);
    }
}
