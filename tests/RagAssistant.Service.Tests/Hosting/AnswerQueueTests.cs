using RagAssistant.Service.Answering;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class AnswerQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AnswerQueue Create(int concurrent, int queued) =>
        new(Microsoft.Extensions.Options.Options.Create(new ServiceOptions { MaxConcurrentAnswers = concurrent, MaxQueuedAnswers = queued }));

    [Fact]
    public async Task Admits_up_to_concurrent_plus_queued_and_refuses_the_rest()
    {
        using var queue = Create(concurrent: 2, queued: 1);
        using var a = await queue.TryEnterAsync(Ct);
        using var b = await queue.TryEnterAsync(Ct);
        var waiting = queue.TryEnterAsync(Ct).AsTask();

        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.False(waiting.IsCompleted);
        Assert.Equal((2, 1), (queue.Running, queue.Waiting));
        Assert.Null(await queue.TryEnterAsync(Ct));

        a!.Dispose();
        a.Dispose(); // a second dispose must not free a second slot
        using var c = await waiting;
        Assert.NotNull(c);
        Assert.Equal((2, 0), (queue.Running, queue.Waiting));

        // The freed place in the queue can be taken again, and then the queue is full again.
        var queuedAgain = queue.TryEnterAsync(Ct).AsTask();
        Assert.False(queuedAgain.IsCompleted);
        Assert.Null(await queue.TryEnterAsync(Ct));
        b!.Dispose();
        using var d = await queuedAgain;
        Assert.NotNull(d);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_its_place()
    {
        using var queue = Create(concurrent: 1, queued: 1);
        using var running = await queue.TryEnterAsync(Ct);
        using var cancel = new CancellationTokenSource();
        var waiting = queue.TryEnterAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal((1, 0), (queue.Running, queue.Waiting));
        var next = queue.TryEnterAsync(Ct).AsTask();
        Assert.False(next.IsCompleted);
        running!.Dispose();
        using var slot = await next;
        Assert.NotNull(slot);
    }
}
