using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Application;

namespace RagAssistant.Console.Cli;

/// <summary>
/// The started host a command runs in, built from its command line; disposing it stops and disposes the host. It
/// runs the shared start-up (<see cref="StartupView"/>) the way a command needs it, so commands only parse and render.
/// </summary>
internal sealed class CommandHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _disposed;

    private CommandHost(IHost host) => _host = host;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The application service every answer goes through.</summary>
    public AssistantService Assistant => _host.Services.GetRequiredService<AssistantService>();

    /// <summary>Builds and starts the host with the overrides and verbosity given on the command line.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public static Task<CommandHost> StartAsync(CliContext context, ParseResult parseResult, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parseResult);
        return StartAsync(context, context.Globals.ToOverrides(parseResult), parseResult.GetValue(context.Globals.Verbose), cancellationToken);
    }

    /// <summary>Builds and starts the host with <paramref name="overrides"/> and the command line's settings.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public static async Task<CommandHost> StartAsync(CliContext context, CommandLineOverrides overrides, bool verbose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.BuildHost(overrides, verbose);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return new CommandHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Loads the models; see <see cref="StartupView.LoadModelsAsync"/>.</summary>
    /// <exception cref="Exception">A model failed to load: the console exits with its message.</exception>
    public Task<AssistantRuntimeInfo> LoadModelsAsync(CancellationToken cancellationToken) => StartupView.LoadModelsAsync(Services, cancellationToken);

    /// <summary>Builds the index, with a progress bar on an interactive <paramref name="terminal"/>; see <see cref="StartupView.BuildIndexAsync"/>.</summary>
    /// <exception cref="Exception">The build failed (a missing corpus folder, an unreadable cache).</exception>
    public Task<IndexReport?> BuildIndexAsync(Terminal terminal, CancellationToken cancellationToken) => StartupView.BuildIndexAsync(Services, terminal, cancellationToken);

    /// <summary>
    /// What <c>ask</c> needs before the question: the models loaded (a load failure throws), then the index built.
    /// Returns what the assistant runs on, with its notices, and the index build's report (null when no index is registered).
    /// </summary>
    /// <exception cref="Exception">A model failed to load, or the index build failed.</exception>
    public async Task<(AssistantRuntimeInfo Runtime, IndexReport? Index)> StartAssistantAsync(Terminal terminal, CancellationToken cancellationToken)
    {
        var runtime = await LoadModelsAsync(cancellationToken).ConfigureAwait(false);
        return (runtime, await BuildIndexAsync(terminal, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Stops the host and disposes it; later calls do nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        _host.Dispose();
    }
}
