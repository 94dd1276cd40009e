using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Console.Commands;

/// <summary><c>index</c>: builds the index, or refreshes it (only changed files are re-read and re-embedded).</summary>
internal static class IndexCommand
{
    /// <summary>The <c>index</c> command: builds, waits for the vectors with a progress bar, and renders the report.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("index", "Build or refresh the corpus index (embeddings are cached; only changed files are redone).");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var host = await CommandHost.StartAsync(context, parseResult, cancellationToken).ConfigureAwait(false);
            if (host.Services.GetService<ICorpusIndex>() is null)
            {
                context.Terminal.WriteError("this build has no corpus index registered.");
                return ExitCodes.Failure;
            }

            await host.BuildIndexAsync(context.Terminal, cancellationToken).ConfigureAwait(false);
            var report = await EmbeddingProgressView.WaitAsync(host.Services.GetRequiredService<ICorpusIndex>(), context.Terminal, cancellationToken).ConfigureAwait(false);
            StartupView.WriteReport(context.Terminal, report);
            return ExitCodes.Success;
        });
        return command;
    }
}
