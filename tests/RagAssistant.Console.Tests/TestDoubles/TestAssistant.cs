using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>The application service over a test pipeline, with the default limits.</summary>
internal static class TestAssistant
{
    public static AssistantService For(IAnswerPipeline pipeline) => new(pipeline, Options.Create(new AskOptions()));
}
