using System.Net;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>The real process answering with the tiny real chat model (stories260K) through llama.cpp.</summary>
public sealed class RealModelServiceTests
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_question_streams_generated_tokens_sources_and_done()
    {
        var model = RepositoryPaths.TinyModel ?? string.Empty;
        if (!File.Exists(model))
        {
            Assert.Skip("The shared test models (../shared/models/stories260K.gguf) are not present on this machine.");
        }

        await using var process = ServiceProcess.Start(
            "--model", model,
            "--corpus", Path.Combine(RepositoryPaths.Root, "data", "papers"),
            "--EmbeddingModel:Provider=None",
            "--ChatModel:MaxTokens=32",
            "--Service:WatchCorpus=false");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(60) };

        using var response = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct);
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(events.Count(e => e.Event == "token") > 1, "several token events: " + string.Join(",", events.Select(e => e.Event)));
        Assert.Equal(["sources", "done"], events.TakeLast(2).Select(e => e.Event));
        var done = events[^1].Json;
        Assert.Equal(string.Concat(events.Where(e => e.Event == "token").Select(e => e.Json.GetProperty("text").GetString())), done.GetProperty("answer").GetString());
        Assert.True(done.GetProperty("usage").GetProperty("completionTokens").GetInt32() > 0);
    }
}
