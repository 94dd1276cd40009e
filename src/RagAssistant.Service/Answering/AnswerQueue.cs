using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Answering;

/// <summary>
/// The bounded queue in front of the model, a <see cref="ConcurrencyLimiter"/>: at most
/// <see cref="ServiceOptions.MaxConcurrentAnswers"/> answers run, at most <see cref="ServiceOptions.MaxQueuedAnswers"/>
/// wait (first come, first served), and anyone beyond that is turned away at once so memory stays bounded however
/// many clients arrive.
/// </summary>
internal sealed class AnswerQueue : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public AnswerQueue(IOptions<ServiceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MaxConcurrent = options.Value.MaxConcurrentAnswers;
        MaxQueued = options.Value.MaxQueuedAnswers;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = MaxConcurrent,
            QueueLimit = MaxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Answers allowed to run at once.</summary>
    public int MaxConcurrent { get; }

    /// <summary>Answers allowed to wait for a slot.</summary>
    public int MaxQueued { get; }

    /// <summary>Answers holding a slot now.</summary>
    public int Running => MaxConcurrent - (int)(_limiter.GetStatistics()?.CurrentAvailablePermits ?? MaxConcurrent);

    /// <summary>Answers waiting for a slot now.</summary>
    public int Waiting => (int)(_limiter.GetStatistics()?.CurrentQueuedCount ?? 0);

    /// <summary>
    /// Waits for a slot, or returns null at once when the queue is full. Dispose the lease to free the slot (a second
    /// dispose frees nothing). Cancelling <paramref name="cancellationToken"/> while waiting leaves the queue as it was.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public async ValueTask<RateLimitLease?> TryEnterAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        return null;
    }

    public void Dispose() => _limiter.Dispose();
}
