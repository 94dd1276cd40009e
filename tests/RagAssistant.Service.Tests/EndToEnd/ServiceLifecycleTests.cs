using System.Net;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>Starting and stopping the real process: refusal to start exposed, clean exit on SIGTERM.</summary>
public sealed class ServiceLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void SkipWithoutBuild()
    {
        if (!File.Exists(RepositoryPaths.ServiceAssembly))
        {
            Assert.Skip($"The service is not built at {RepositoryPaths.ServiceAssembly}.");
        }
    }

    [Fact]
    public async Task Listening_on_all_interfaces_without_an_api_key_exits_with_a_clear_message()
    {
        SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--urls", "http://0.0.0.0:0", "--retrieval-only", "--Service:WatchCorpus=false");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("no API key is set", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_setting_exits_with_a_message_naming_it()
    {
        SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--retrieval-only", "--Service:MaxConcurrentAnswers=0", "--Service:WatchCorpus=false");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("MaxConcurrentAnswers", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_model_named_on_the_command_line_exits_with_a_clear_message()
    {
        SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--model", "/nonexistent/model.gguf");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("/nonexistent/model.gguf", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_the_service_cleanly()
    {
        SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false", "--Service:ShutdownTimeout=00:00:02");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using (var client = new HttpClient { BaseAddress = process.Address })
        {
            using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        Assert.True(await process.TerminateAsync(TimeSpan.FromSeconds(20)), "the service must stop within 20 s of SIGTERM:\n" + process.Output);
        Assert.Equal(0, process.ExitCode);
    }
}
