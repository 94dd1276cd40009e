using System.Net;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// The service in front of a model server that fails: 502 (Bad Gateway) with the one line that names the server and
/// what to fix, as a problem and as a stream's error event; one log line per failure, no stack trace below Debug.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ModelServerFailureServiceTests
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failing_model_server_is_a_502_with_its_one_line_as_problem_and_as_error_event()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var model = await ScriptedModelServer.StartAsync(Ct);
        model.FailWith = 500;
        await using var service = await StartServiceAsync(model);
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(60) };
        var expected = $"the model server at {model.Endpoint} (ChatModel:Endpoint) answered HTTP 500: internal boom";

        using var whole = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct, accept: "application/json");
        var problem = await whole.ReadProblemAsync(Ct);
        Assert.Equal(HttpStatusCode.BadGateway, whole.StatusCode);
        Assert.Equal(expected, problem.GetProperty("detail").GetString());

        using var streamed = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct);
        await using var events = await streamed.Content.ReadAsStreamAsync(Ct);
        ServerSentEvent? last = null;
        await foreach (var item in ServerSentEvents.ReadAsync(events, Ct))
        {
            last = item;
        }

        Assert.Equal("error", last?.Event);
        var error = JsonDocument.Parse(last!.Data).RootElement;
        Assert.Equal(502, error.GetProperty("status").GetInt32());
        Assert.Equal(expected, error.GetProperty("detail").GetString());

        // Sent once each (no retries), and logged as one line each.
        Assert.Equal(2, model.Requests);
        var output = await LoggedTwiceAsync(service, expected);
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_taken_whole_that_the_server_cut_off_is_a_502_that_keeps_the_text_it_sent()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var model = await ScriptedModelServer.StartAsync(Ct, tokens: 3, TimeSpan.Zero);
        model.ReleaseFirstToken();
        model.CutOff = true;
        await using var service = await StartServiceAsync(model);
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(60) };
        var expected = $"the model server at {model.Endpoint} (ChatModel:Endpoint) closed the connection before the answer ended; the answer is incomplete.";

        using var ask = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct, accept: "application/json");
        var problem = await ask.ReadProblemAsync(Ct);
        Assert.Equal(HttpStatusCode.BadGateway, ask.StatusCode);
        Assert.Equal(expected, problem.GetProperty("detail").GetString());
        Assert.StartsWith("word0 word1 word2", problem.GetProperty("partial_answer").GetString(), StringComparison.Ordinal);

        using var completion = await client.PostStreamingAsync("/v1/chat/completions", new { model = "ragassistant", messages = new[] { new { role = "user", content = Question } }, stream = false }, Ct, accept: "application/json");
        var error = JsonDocument.Parse(await completion.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error");
        Assert.Equal(HttpStatusCode.BadGateway, completion.StatusCode);
        Assert.Equal(expected, error.GetProperty("message").GetString());
        Assert.StartsWith("word0 word1 word2", error.GetProperty("partial_answer").GetString(), StringComparison.Ordinal);

        // Logged once each, in its one line: not also as Semantic Kernel's failed step.
        var output = await LoggedTwiceAsync(service, expected);
        Assert.Equal(2, output.Split(expected).Length - 1);
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    private static async Task<ServiceProcess> StartServiceAsync(ScriptedModelServer model)
    {
        var service = ServiceProcess.Start(
            "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false", "--ChatModel:Provider=OpenAICompatible",
            $"--ChatModel:Endpoint={model.Endpoint}", "--ChatModel:ModelId=scripted");
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        return service;
    }

    // The service's output once it has logged "Answering failed: <line>" twice (one line per failed request); the
    // console logger writes from its own queue, so the second line may come just after the response.
    private static async Task<string> LoggedTwiceAsync(ServiceProcess service, string line)
    {
        static int Logged(string output, string line) => output.Split("Answering failed: " + line).Length - 1;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Logged(service.Output, line) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        var output = service.Output;
        Assert.Equal(2, Logged(output, line));
        return output;
    }
}
