using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>Semantic Kernel's own logs of each step reach the application's logging through the registered pipeline.</summary>
public sealed class KernelLoggingTests
{
    [Fact]
    public async Task The_kernel_logs_the_search_step_through_the_logger_factory_from_the_container()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        services.AddSingleton<IPaperRetriever>(new FakeRetriever([FakeRetriever.Hit("Sparse experts", "Sparse experts keep compute flat.", 0.9)]));
        services.AddRagAnswering(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Answering:PromptsFolder"] = PipelineHarness.Prompts }).Build());
        using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<AnswerPipeline>().AnswerAsync(new AnswerRequest("How do sparse experts keep compute flat?"), TestContext.Current.CancellationToken);

        Assert.Contains(provider.GetFakeLogCollector().GetSnapshot(), r => r.Message.Contains(PaperSearchPlugin.SearchFunctionName, StringComparison.Ordinal));
    }
}
