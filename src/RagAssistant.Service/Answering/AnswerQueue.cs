using Microsoft.Extensions.Options;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Answering;

/// <summary>
/// The bounded queue in front of the model: at most <see cref="ServiceOptions.MaxConcurrentAnswers"/> answers run,
/// at most <see cref="ServiceOptions.MaxQueuedAnswers"/> wait, and anyone beyond that is turned away at once
/// so memory stays bounded however many clients arrive.
/// </summary>
internal sealed class AnswerQueue : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private int _admitted;
    private int _running;

    public AnswerQueue(IOptions<ServiceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MaxConcurrent = options.Value.MaxConcurrentAnswers;
        MaxQueued = options.Value.MaxQueuedAnswers;
        _slots = new SemaphoreSlim(MaxConcurrent, MaxConcurrent);
    }

    /// <summary>Answers allowed to run at once.</summary>
    public int MaxConcurrent { get; }

    /// <summary>Answers allowed to wait for a slot.</summary>
    public int MaxQueued { get; }

    /// <summary>Answers holding a slot now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Answers waiting for a slot now.</summary>
    public int Waiting => Math.Max(0, Volatile.Read(ref _admitted) - Running);

    /// <summary>
    /// Waits for a slot, or returns null at once when the queue is full. Dispose the lease to free the slot.
    /// Cancelling <paramref name="cancellationToken"/> while waiting leaves the queue as it was.
    /// </summary>
    public async ValueTask<AnswerSlot?> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > MaxConcurrent + MaxQueued)
        {
            Interlocked.Decrement(ref _admitted);
            return null;
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _admitted);
            throw;
        }

        Interlocked.Increment(ref _running);
        return new AnswerSlot(this);
    }

    public void Dispose() => _slots.Dispose();

    private void Release()
    {
        Interlocked.Decrement(ref _running);
        Interlocked.Decrement(ref _admitted);
        _slots.Release();
    }

    /// <summary>A held generation slot; disposing it (once) lets the next waiting answer run.</summary>
    public sealed class AnswerSlot : IDisposable
    {
        private AnswerQueue? _queue;

        internal AnswerSlot(AnswerQueue queue) => _queue = queue;

        public void Dispose() => Interlocked.Exchange(ref _queue, null)?.Release();
    }
}
