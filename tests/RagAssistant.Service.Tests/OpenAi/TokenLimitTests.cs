using System.Net;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.OpenAi;

/// <summary>max_tokens / max_completion_tokens are honoured up to the server's limit and a cut answer says "length".</summary>
public sealed class TokenLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Body(string limits, bool stream = false) =>
        $$"""{"model": "ragassistant", {{limits}}"stream": {{(stream ? "true" : "false")}}, "messages": [{"role": "user", "content": "What is speculative decoding?"}]}""";

    [Theory]
    [InlineData("\"max_tokens\": 1, ", 1)]
    [InlineData("\"max_completion_tokens\": 2, ", 2)]
    [InlineData("\"max_tokens\": 1, \"max_completion_tokens\": 3, ", 3)]
    public async Task The_answer_is_cut_at_the_limit_and_finish_reason_is_length(string limits, int tokens)
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync("/v1/chat/completions", Body(limits), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(tokens, completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", completion.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(tokens, Assert.Single(factory.Pipeline.Requests).MaxAnswerTokens);
    }

    [Fact]
    public async Task A_limit_the_answer_fits_in_finishes_with_stop_and_ignored_fields_change_nothing()
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync("/v1/chat/completions", Body("\"max_tokens\": 100, \"temperature\": 1.5, \"top_p\": 0.1, \"n\": 3, ").Replace("ragassistant", "gpt-4o", StringComparison.Ordinal), Ct);

        var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("stop", completion.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(FakeAnswerPipeline.AnswerFor("What is speculative decoding?"), completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("\"max_tokens\": 2147483647, ")]
    [InlineData("\"max_tokens\": 99999999999, ")]
    [InlineData("\"max_completion_tokens\": 99999999999, ")]
    [InlineData("\"max_tokens\": 100000000000000000000000000000, ")]
    [InlineData("\"max_tokens\": 1e30, ")]
    public async Task A_limit_above_the_servers_is_capped_there_and_the_cut_reported(string limits)
    {
        await using var factory = new ServiceFactory();
        factory.Pipeline.AnswerTokenLimit = 3;
        using var http = factory.CreateClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync("/v1/chat/completions", Body(limits), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(3, completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", completion.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task The_final_streamed_chunk_says_length()
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateStreamingClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync("/v1/chat/completions", Body("\"max_tokens\": 2, ", stream: true), Ct);
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);

        var chunks = events.SkipLast(1).Select(e => e.Json).Where(c => c.GetProperty("choices").GetArrayLength() > 0).ToList();
        var reasons = chunks.Select(c => c.GetProperty("choices")[0].GetProperty("finish_reason")).Where(r => r.ValueKind == JsonValueKind.String).ToList();
        Assert.Equal("length", Assert.Single(reasons).GetString());
        Assert.Equal(JsonValueKind.String, chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);
        Assert.Equal("Answer to:", string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString())));
    }

    [Theory]
    [InlineData("\"max_tokens\": 0, ", "max_tokens must be at least 1, got 0.")]
    [InlineData("\"max_tokens\": -1, ", "max_tokens must be at least 1, got -1.")]
    [InlineData("\"max_tokens\": -99999999999, ", "max_tokens must be at least 1, got -99999999999.")]
    [InlineData("\"max_completion_tokens\": 0, ", "max_completion_tokens must be at least 1, got 0.")]
    [InlineData("\"max_tokens\": 1.5, ", "The field 'max_tokens' must be a whole number (a JSON number such as 5, without quotes).")]
    public async Task A_limit_below_one_is_a_400_openai_error(string limits, string expected)
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync("/v1/chat/completions", Body(limits), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.ReadOpenAiErrorAsync(Ct);
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Empty(factory.Pipeline.Requests);
    }

    [Theory]
    [InlineData("chat_max_tokens_1.json", HttpStatusCode.OK)]
    [InlineData("chat_max_tokens_0.json", HttpStatusCode.BadRequest)]
    [InlineData("chat_max_tokens_-1.json", HttpStatusCode.BadRequest)]
    public async Task The_requests_of_the_bug_report_are_honoured_or_refused(string file, HttpStatusCode expected)
    {
        var body = await File.ReadAllTextAsync(TestPaths.RequireCase(Path.Combine("max-tokens", file)), Ct);
        await using var factory = new ServiceFactory();
        using var http = factory.CreateClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync("/v1/chat/completions", body, Ct);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal(1, completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
            Assert.Equal("length", completion.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        }
    }

    [Fact]
    public async Task The_done_event_of_api_ask_and_its_json_say_why_the_answer_ended()
    {
        await using var factory = new ServiceFactory();
        factory.Pipeline.AnswerTokenLimit = 2;
        using var http = factory.CreateStreamingClient();
        await http.WaitUntilReadyAsync();

        using var streamed = await http.PostStreamingAsync("/api/ask", new { question = "What is speculative decoding?" }, Ct);
        using var json = await http.PostStreamingAsync("/api/ask", new { question = "What is speculative decoding?" }, Ct, accept: "application/json");

        var done = (await ServerSentEvents.ReadAllAsync(streamed, Ct))[^1];
        Assert.Equal("done", done.Event);
        Assert.Equal("length", done.Json.GetProperty("finish_reason").GetString());
        Assert.Equal("length", JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("finish_reason").GetString());
    }
}
