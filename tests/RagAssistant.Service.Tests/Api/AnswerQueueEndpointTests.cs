using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RagAssistant.Service.Answering;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Api;

public sealed class AnswerQueueEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> OneSlot(int queued = 0) => new()
    {
        ["Service:MaxConcurrentAnswers"] = "1",
        ["Service:MaxQueuedAnswers"] = queued.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Service:RetryAfterSeconds"] = "7",
    };

    [Fact]
    public async Task When_the_queue_is_full_the_service_answers_429_with_retry_after()
    {
        await using var factory = new ServiceFactory(OneSlot(queued: 1));
        factory.Pipeline.HoldAfterFirstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var running = await client.PostStreamingAsync("/api/ask", new { question = "first" }, Ct);
        Assert.True(await factory.Pipeline.FirstTokenSent.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        var queued = client.PostStreamingAsync("/api/ask", new { question = "second" }, Ct);
        var queue = factory.Services.GetRequiredService<AnswerQueue>();
        await WaitForAsync(() => queue.Waiting == 1);

        using var refused = await client.PostAsJsonAsync("/api/ask", new { question = "third" }, Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("queue is full", (await refused.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Nothing was dropped: once the first answer finishes, the queued one runs to the end.
        factory.Pipeline.HoldAfterFirstToken.SetResult();
        var first = await ServerSentEvents.ReadAllAsync(running, Ct);
        using var second = await queued;
        var secondEvents = await ServerSentEvents.ReadAllAsync(second, Ct);
        Assert.Equal("done", first[^1].Event);
        Assert.Equal("done", secondEvents[^1].Event);
        Assert.Equal(FakeAnswerPipeline.AnswerFor("second"), secondEvents[^1].Json.GetProperty("answer").GetString());
        Assert.Equal(0, queue.Running + queue.Waiting);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_its_generation_and_frees_its_slot()
    {
        await using var factory = new ServiceFactory(OneSlot());
        factory.Pipeline.HoldAfterFirstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var response = await client.PostStreamingAsync("/api/ask", new { question = "I will leave" }, leaving.Token);
            Assert.True(await factory.Pipeline.FirstTokenSent.WaitAsync(TimeSpan.FromSeconds(10), Ct));
            await leaving.CancelAsync();
            response.Dispose();
        }

        var queue = factory.Services.GetRequiredService<AnswerQueue>();
        await WaitForAsync(() => factory.Pipeline.Cancelled == 1 && queue.Running == 0);

        // The slot is free again: the next question is answered, not refused.
        factory.Pipeline.HoldAfterFirstToken = null;
        using var next = await client.PostStreamingAsync("/api/ask", new { question = "next" }, Ct);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("done", (await ServerSentEvents.ReadAllAsync(next, Ct))[^1].Event);
    }

    [Fact]
    public async Task On_shutdown_an_answer_still_in_flight_ends_with_an_error_event()
    {
        var settings = OneSlot();
        settings["Service:ShutdownTimeout"] = "00:00:00.200";
        await using var factory = new ServiceFactory(settings);
        factory.Pipeline.HoldAfterFirstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostStreamingAsync("/api/ask", new { question = "long answer" }, Ct);
        Assert.True(await factory.Pipeline.FirstTokenSent.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var events = await ServerSentEvents.ReadAllAsync(response, Ct);

        Assert.Equal(["retrieved", "token", "error"], events.Select(e => e.Event));
        Assert.Equal(503, events[^1].Json.GetProperty("status").GetInt32());
        Assert.Equal(1, factory.Pipeline.Cancelled);
    }

    [Fact]
    public async Task A_stuck_answer_is_stopped_after_the_answer_timeout_and_frees_its_slot()
    {
        var settings = OneSlot();
        settings["Service:AnswerTimeout"] = "00:00:01";
        await using var factory = new ServiceFactory(settings);
        factory.Pipeline.HoldAfterFirstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostStreamingAsync("/api/ask", new { question = "never finishes" }, Ct);
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);

        Assert.Equal(["retrieved", "token", "error"], events.Select(e => e.Event));
        Assert.Equal(504, events[^1].Json.GetProperty("status").GetInt32());
        Assert.Contains("Service:AnswerTimeout", events[^1].Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, factory.Services.GetRequiredService<AnswerQueue>().Running);

        using var json = await client.PostStreamingAsync("/api/ask", new { question = "never finishes either" }, Ct, accept: "application/json");
        Assert.Equal(HttpStatusCode.GatewayTimeout, json.StatusCode);
        await json.ReadProblemAsync(Ct);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10, Ct);
        }
    }
}
