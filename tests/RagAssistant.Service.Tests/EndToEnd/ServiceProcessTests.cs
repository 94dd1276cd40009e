using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>The real process on a loopback port: streaming, status, load, disconnects.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ServiceProcessTests(RealServiceProcess service) : IClassFixture<RealServiceProcess>
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client()
    {
        if (service.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        return new HttpClient { BaseAddress = service.Process!.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    [Fact]
    public async Task A_question_streams_tokens_sources_and_done()
    {
        using var client = Client();

        using var response = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct);
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(events.Any(e => e.Event == "token"), "token events: " + string.Join(",", events.Select(e => e.Event)));
        Assert.Equal(["sources", "done"], events.TakeLast(2).Select(e => e.Event));
        var done = events[^1].Json;
        Assert.Equal(Question, done.GetProperty("question").GetString());
        Assert.Equal(string.Concat(events.Where(e => e.Event == "token").Select(e => e.Json.GetProperty("text").GetString())), done.GetProperty("answer").GetString());
        var sources = events[^2].Json.GetProperty("sources");
        Assert.Contains(sources.EnumerateArray(), s => s.GetProperty("title").GetString() == "Scaling Law with Learning Rate Annealing");
    }

    [Theory]
    [InlineData("codes")]
    [InlineData("cjk")]
    public async Task Questions_of_many_hundred_terms_search_without_error_on_every_endpoint(string kind)
    {
        using var client = Client();

        // Within Ask:MaxQuestionChars (4,000): 600 distinct two-letter codes, or 1,990 distinct CJK characters (each a term).
        var question = kind == "codes"
            ? string.Join(' ', Enumerable.Range(0, 600).Select(i => string.Concat((char)('a' + (i / 26)), (char)('a' + (i % 26)))))
            : "LR annealing " + string.Concat(Enumerable.Range(0x4E00, 1_980).Select(c => (char)c));
        Assert.InRange(question.Length, 1_500, 2_000);
        var history = new[] { new { role = "user", content = question }, new { role = "assistant", content = "Not covered." } };

        using var ask = await client.PostStreamingAsync("/api/ask", new { question, history }, Ct);
        using var search = await client.PostAsJsonAsync("/api/search", new { question }, Ct);
        using var completion = await client.PostStreamingAsync("/v1/chat/completions", new { stream = true, messages = history.Append(new { role = "user", content = question }) }, Ct);

        var askEvents = await ServerSentEvents.ReadAllAsync(ask, Ct);
        Assert.Equal("done", askEvents[^1].Event);
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var chunks = await ServerSentEvents.ReadAllAsync(completion, Ct);
        Assert.Equal("[DONE]", chunks[^1].Data);
        Assert.DoesNotContain(chunks, c => c.Data.Contains("\"error\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_long_question_of_the_bug_report_is_answered()
    {
        using var client = Client();
        var question = await File.ReadAllTextAsync(TestPaths.RequireCase(Path.Combine("long-question", "question.txt")), Ct);

        using var ask = await client.PostStreamingAsync("/api/ask", new { question }, Ct, accept: "application/json");
        using var search = await client.PostAsJsonAsync("/api/search", new { question }, Ct);

        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
    }

    [Theory]
    [InlineData("/api/ask")]
    [InlineData("/v1/chat/completions")]
    public async Task Kestrel_refuses_a_body_over_the_limit_with_a_problem_that_names_it(string path)
    {
        using var client = Client();

        // Service:MaxRequestBodyBytes defaults to 64 KiB; Kestrel enforces it while minimal APIs bind the body.
        var oversized = new { question = new string('x', 70_000), messages = Array.Empty<object>() };
        using var response = await client.PostAsJsonAsync(path, oversized, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var detail = path.StartsWith("/v1", StringComparison.Ordinal)
            ? (await response.ReadOpenAiErrorAsync(Ct)).GetProperty("message").GetString()
            : (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString();
        Assert.Contains("65536 bytes (Service:MaxRequestBodyBytes)", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_bodies_are_problems_on_the_real_server_too()
    {
        using var client = Client();

        using var broken = await client.PostRawAsync("/api/search", "{\"query\": ", Ct);
        using var form = await client.PostRawAsync("/v1/chat/completions", "messages=hi", Ct, "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("not valid JSON", (await broken.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Contains("application/json", (await form.ReadOpenAiErrorAsync(Ct)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_names_the_mode_corpus_and_index()
    {
        using var client = Client();

        var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;

        Assert.True(status.GetProperty("ready").GetBoolean());
        Assert.True(status.GetProperty("model").GetProperty("retrieval_only").GetBoolean());
        Assert.False(status.GetProperty("model").TryGetProperty("chat_model", out _), "chat_model is left out when empty");
        Assert.True(status.GetProperty("corpus").GetProperty("papers").GetInt32() > 100);
        Assert.Equal("ready", status.GetProperty("index").GetProperty("state").GetString());
        Assert.False(status.GetProperty("index").GetProperty("dense_available").GetBoolean());
    }

    [Fact]
    public async Task Fifty_concurrent_askers_are_answered_in_full_or_refused_with_429_and_memory_stays_flat()
    {
        using var client = Client();
        client.Timeout = TimeSpan.FromSeconds(120);
        const int askers = 50, rounds = 3;

        // Warm up (first generations allocate the contexts), then measure.
        await AskRoundAsync(client, askers, "warm-up");
        var before = service.Process!.ResidentBytes();
        var outcomes = new List<AskOutcome>();
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            outcomes.AddRange(await AskRoundAsync(client, askers, $"round {round}"));
        }

        var after = service.Process.ResidentBytes();
        var answered = outcomes.Count(o => o.Answered);
        var refused = outcomes.Count(o => o.Refused);

        // Every request accounted for: none lost, none half-answered, none mixed up with another's.
        Assert.Equal(askers * rounds, outcomes.Count);
        Assert.Equal(outcomes.Count, answered + refused);
        Assert.True(answered >= RealServiceProcess.MaxConcurrentAnswers * rounds, $"answered {answered}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"load test took {clock.Elapsed}");
        var growthMb = (after - before) / 1024.0 / 1024.0;
        Assert.True(growthMb < 100, $"resident memory grew {growthMb:F0} MB ({before / 1048576} -> {after / 1048576} MB)");
        TestContext.Current.SendDiagnosticMessage($"load: {answered} answered, {refused} refused in {clock.Elapsed.TotalSeconds:F1} s; RSS {before / 1048576} -> {after / 1048576} MB");
    }

    [Fact]
    public async Task A_client_killed_mid_stream_frees_its_slot()
    {
        using var client = Client();
        for (var i = 0; i < RealServiceProcess.MaxConcurrentAnswers; i++)
        {
            using var leaving = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            using var response = await client.PostStreamingAsync("/api/ask", new { question = $"{Question} ({i})" }, leaving.Token);
            await using var stream = await response.Content.ReadAsStreamAsync(Ct);
            await foreach (var e in ServerSentEvents.ReadAsync(stream, leaving.Token))
            {
                if (e.Event == "token")
                {
                    // Drop the connection after the first token, as a killed client would.
                    await leaving.CancelAsync();
                    break;
                }
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        int running;
        do
        {
            await Task.Delay(100, Ct);
            var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;
            running = status.GetProperty("queue").GetProperty("running").GetInt32();
        }
        while (running > 0 && DateTime.UtcNow < deadline);

        Assert.Equal(0, running);
        using var next = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct, accept: "application/json");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private static async Task<List<AskOutcome>> AskRoundAsync(HttpClient client, int askers, string label)
    {
        var outcomes = new ConcurrentBag<AskOutcome>();
        await Parallel.ForEachAsync(Enumerable.Range(0, askers), new ParallelOptions { MaxDegreeOfParallelism = askers, CancellationToken = Ct }, async (i, ct) =>
        {
            var question = $"{Question} [{label} asker {i}]";
            using var response = await client.PostStreamingAsync("/api/ask", new { question }, ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                outcomes.Add(new AskOutcome(Answered: false, Refused: true));
                return;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var events = await ServerSentEvents.ReadAllAsync(response, ct);
            Assert.Equal("done", events[^1].Event);
            var done = events[^1].Json;
            Assert.Equal(question, done.GetProperty("question").GetString());
            var streamed = string.Concat(events.Where(e => e.Event == "token").Select(e => e.Json.GetProperty("text").GetString()));
            Assert.Equal(streamed, done.GetProperty("answer").GetString());
            outcomes.Add(new AskOutcome(Answered: true, Refused: false));
        });
        return [.. outcomes];
    }

    private sealed record AskOutcome(bool Answered, bool Refused);
}
