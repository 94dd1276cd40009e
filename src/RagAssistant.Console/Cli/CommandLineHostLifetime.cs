using Microsoft.Extensions.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>
/// Replaces the console lifetime of the generic host: commands own Ctrl+C (it cancels an answer, not the process),
/// and SIGTERM ends the process at once instead of waiting for a long generation to finish.
/// </summary>
internal sealed class CommandLineHostLifetime : IHostLifetime
{
    /// <inheritdoc/>
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
