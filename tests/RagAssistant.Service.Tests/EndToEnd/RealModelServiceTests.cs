using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>The real process answering with the tiny real chat model (stories260K) through llama.cpp.</summary>
[Trait("Category", "EndToEnd")]
public sealed class RealModelServiceTests
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_question_streams_generated_tokens_sources_and_done()
    {
        await using var process = await StartAsync("--ChatModel:MaxTokens=32");
        using var client = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(60) };

        using var response = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct);
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(events.Count(e => e.Event == "token") > 1, "several token events: " + string.Join(",", events.Select(e => e.Event)));
        Assert.Equal(["sources", "done"], events.TakeLast(2).Select(e => e.Event));
        var done = events[^1].Json;
        Assert.Equal(string.Concat(events.Where(e => e.Event == "token").Select(e => e.Json.GetProperty("text").GetString())), done.GetProperty("answer").GetString());
        Assert.True(done.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Max_tokens_1_cuts_the_real_models_answer_at_one_token_and_says_length()
    {
        await using var process = await StartAsync();
        using var client = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(60) };
        var messages = new[] { new { role = "user", content = Question } };

        using var plain = await client.PostAsJsonAsync("/v1/chat/completions", new { max_tokens = 1, messages }, Ct);
        using var streamed = await client.PostStreamingAsync("/v1/chat/completions", new { max_completion_tokens = 1, stream = true, messages }, Ct);

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        var completion = JsonDocument.Parse(await plain.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(1, completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", completion.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var chunks = (await ServerSentEvents.ReadAllAsync(streamed, Ct)).SkipLast(1).Select(e => e.Json).Where(c => c.GetProperty("choices").GetArrayLength() > 0).ToList();
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    private static async Task<ServiceProcess> StartAsync(params string[] settings)
    {
        var model = TestPaths.Stories;

        var process = ServiceProcess.Start(
            ["--model", model, "--corpus", Path.Combine(TestPaths.RepositoryRoot, "data", "papers"), "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false", .. settings]);
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        return process;
    }
}
