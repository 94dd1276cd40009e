using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Lifetime;

/// <summary>
/// Gives answers in flight <see cref="ServiceOptions.ShutdownTimeout"/> to finish once shutdown starts, then
/// cancels them, so each stream ends with an error event instead of being cut off when the server stops.
/// </summary>
internal sealed class ShutdownGrace : IDisposable
{
    private readonly CancellationTokenSource _expired = new();
    private readonly CancellationTokenRegistration _registration;

    public ShutdownGrace(IHostApplicationLifetime lifetime, IOptions<ServiceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(options);
        var timeout = options.Value.ShutdownTimeout;
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            try
            {
                _expired.CancelAfter(timeout);
            }
            catch (ObjectDisposedException)
            {
                // Already torn down: nothing left to cancel.
            }
        });
        Stopping = lifetime.ApplicationStopping;

        // Taken once: reading CancellationTokenSource.Token after Dispose throws, and an answer still finishing while
        // the host disposes its services asks whether it was cut by shutdown.
        Expired = _expired.Token;
    }

    /// <summary>Cancelled when shutdown starts: nothing new should begin.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Cancelled when the grace period after shutdown started has passed.</summary>
    public CancellationToken Expired { get; }

    /// <summary>
    /// Called when the host disposes its services. Anything still running has outlived the host's own shutdown
    /// timeout, so it is cancelled now rather than left waiting on a timer that is about to be disposed.
    /// </summary>
    public void Dispose()
    {
        _registration.Dispose();
        try
        {
            _expired.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of a cancelled answer failed; the answer reports its own failure.
        }

        _expired.Dispose();
    }
}
