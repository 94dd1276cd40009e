using Microsoft.Extensions.Hosting;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// Runs <see cref="AssistantStartup"/> in the background of a long-running host (the service), so the host starts
/// serving (and <c>/health/live</c> answers) while the models load and the index is built.
/// </summary>
/// <param name="startup">The start-up to run.</param>
public sealed class AssistantStartupService(AssistantStartup startup) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the slow work begins.
        await Task.Yield();
        try
        {
            await startup.RunAsync(progress: null, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception)
        {
            // Logged and recorded in readiness by the start-up; never take the host down: it reports not ready.
        }
    }
}
