using System.Net;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// The real process answering through a scripted OpenAI-compatible model server on loopback, which holds the first
/// token: the event-stream headers go out as soon as the answer is admitted, and a client that leaves mid-answer is
/// logged as one Information line, never as a failure with a stack trace.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class AnswerCancellationProcessTests
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stream_headers_come_before_the_first_token_and_a_client_that_leaves_is_one_information_line()
    {
        if (!File.Exists(ServiceProcess.ServiceAssembly))
        {
            Assert.Skip($"The service is not built at {ServiceProcess.ServiceAssembly}.");
        }

        // 120 tokens, 6 s a whole answer: the client's leave must reach the model before the answer ends, also on two
        // loaded cores (at 40 tokens, 2 s, a CI run saw the answer end first and nothing to abort).
        await using var model = await ScriptedModelServer.StartAsync(Ct, tokens: 120, tokenDelay: TimeSpan.FromMilliseconds(50));
        await using var service = ServiceProcess.Start(
            "--corpus", Path.Combine(TestPaths.RepositoryRoot, "data", "papers"),
            "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false",
            "--ChatModel:Provider=OpenAICompatible", $"--ChatModel:Endpoint={model.Endpoint}", "--ChatModel:ModelId=scripted",
            "--ChatModel:ContextSize=4096", "--Logging:LogLevel:RagAssistant=Information");
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(60) };

        // Both streaming endpoints: the headers arrive while the model still holds its first token.
        await HeadersBeforeFirstTokenAsync(client, model, "/api/ask", new { question = Question }, expectedRequests: 1);
        model.HoldFirstToken();
        await HeadersBeforeFirstTokenAsync(client, model, "/v1/chat/completions", new { stream = true, messages = new[] { new { role = "user", content = Question } } }, expectedRequests: 2);

        // A client that leaves after the first token: the answer ends, the model call is cancelled, the slot is freed.
        // Only what the service logs from here on is judged (start-up's not-ready probes log errors of their own).
        var logged = service.Output.Length;
        using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            using var response = await client.PostStreamingAsync("/api/ask", new { question = Question }, leaving.Token);
            await using var stream = await response.Content.ReadAsStreamAsync(Ct);
            await foreach (var e in ServerSentEvents.ReadAsync(stream, leaving.Token))
            {
                if (e.Event == "token")
                {
                    await leaving.CancelAsync();
                    break;
                }
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((model.Aborted == 0 || !service.Output[logged..].Contains("Answer cancelled", StringComparison.Ordinal) || await RunningAsync(client) > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        // Let any late log entry of the cancelled answer reach the output before judging it.
        await Task.Delay(500, Ct);
        var output = service.Output[logged..];
        Assert.Equal(0, await RunningAsync(client));
        Assert.Equal(1, model.Aborted);
        Assert.True(model.TokensSent < model.Tokens * 3, $"the cancelled answer ran to its end ({model.TokensSent} tokens sent)");
        Assert.Single(output.Split('\n'), line => line.Contains("Answer cancelled: client disconnected", StringComparison.Ordinal));
        Assert.Contains("info: RagAssistant.Service.Answering.AnswerEndpoint", output, StringComparison.Ordinal);
        Assert.False(output.Contains("fail:", StringComparison.Ordinal), output);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("answering-answer", output, StringComparison.Ordinal);
    }

    private static async Task HeadersBeforeFirstTokenAsync(HttpClient client, ScriptedModelServer model, string path, object body, int expectedRequests)
    {
        using var headersDue = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        headersDue.CancelAfter(TimeSpan.FromSeconds(20));
        using var response = await client.PostStreamingAsync(path, body, headersDue.Token);

        // The answer reached the model, which has not sent a token: the headers cannot have waited for one.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (model.Requests < expectedRequests && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expectedRequests, model.Requests);
        Assert.Equal(0, model.TokensSent - ((expectedRequests - 1) * model.Tokens));

        model.ReleaseFirstToken();
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);
        Assert.Contains(events, e => e.Data.Contains("word0", StringComparison.Ordinal));
    }

    private static async Task<int> RunningAsync(HttpClient client)
    {
        var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;
        return status.GetProperty("queue").GetProperty("running").GetInt32();
    }
}
