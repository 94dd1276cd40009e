using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Api;
using RagAssistant.Service.Indexing;
using RagAssistant.Service.Lifetime;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Answering;

/// <summary>
/// A question let in to the model: holds its queue slot and the token that cancels it when the client goes away
/// or the shutdown grace period ends. Dispose it when the answer is finished to free the slot.
/// </summary>
internal sealed class AdmittedAnswer(RateLimitLease slot, CancellationTokenSource cancellation, ShutdownGrace grace, CancellationToken requestAborted) : IDisposable
{
    /// <summary>Cancelled when the client disconnects, the answer times out or shutdown's grace period ends.</summary>
    public CancellationToken CancellationToken => cancellation.Token;

    /// <summary>True when the answer was cancelled because the service is shutting down.</summary>
    public bool CancelledByShutdown => grace.Expired.IsCancellationRequested;

    /// <summary>True when the answer was cancelled for taking longer than <see cref="ServiceOptions.AnswerTimeout"/>.</summary>
    public bool TimedOut => cancellation.IsCancellationRequested && !requestAborted.IsCancellationRequested && !CancelledByShutdown;

    public void Dispose()
    {
        slot.Dispose();
        cancellation.Dispose();
    }
}

/// <summary>Decides whether a question may go to the model now, later (queued), or not at all (429/503).</summary>
internal sealed partial class AnswerAdmission(
    AnswerQueue queue,
    AssistantReadiness readiness,
    ShutdownGrace grace,
    IOptions<ServiceOptions> options,
    ILogger<AnswerAdmission> logger)
{
    /// <summary>
    /// Waits for a slot; returns the admitted answer, or what to answer with instead: a problem (429 or 503, with
    /// <c>Retry-After</c> when retrying later helps), or an empty result when the client left while waiting.
    /// </summary>
    public async Task<(AdmittedAnswer? Answer, Results<ProblemHttpResult, EmptyHttpResult>? Refusal)> AdmitAsync(HttpContext context)
    {
        var retryAfter = options.Value.RetryAfterSeconds;
        if (grace.Stopping.IsCancellationRequested)
        {
            return (null, ApiProblems.ShuttingDown());
        }

        if (readiness.NotReady() is { } notReady)
        {
            // The same reason as /health/ready gives.
            return (null, ApiProblems.NotReady(context, notReady, retryAfter));
        }

        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, grace.Expired);
        RateLimitLease? slot;
        try
        {
            slot = await queue.TryEnterAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            cancellation.Dispose();

            // The client left while waiting (nobody to answer), or shutdown ended the wait.
            return (null, context.RequestAborted.IsCancellationRequested ? TypedResults.Empty : ApiProblems.ShuttingDown());
        }

        if (slot is null)
        {
            cancellation.Dispose();
            LogQueueFull(logger, queue.Running, queue.Waiting);
            return (null, ApiProblems.QueueFull(context, retryAfter));
        }

        // The timeout starts once the answer has a slot: waiting in the queue does not count.
        cancellation.CancelAfter(options.Value.AnswerTimeout);
        return (new AdmittedAnswer(slot, cancellation, grace, context.RequestAborted), null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer queue full ({Running} running, {Waiting} waiting): answering 429")]
    private static partial void LogQueueFull(ILogger logger, int running, int waiting);
}
