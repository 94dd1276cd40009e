using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
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

            var started = Stopwatch.GetTimestamp();
            var index = host.Services.GetRequiredService<ICorpusIndex>();

            // A Ctrl+C before the vectors are all in ends the process: say what is embedded and what becomes of it, as the chat does.
            using var interrupt = new UnfinishedIndexNote(context.Terminal, index).WriteOnInterrupt();
            var built = await host.BuildIndexAsync(context.Terminal, cancellationToken).ConfigureAwait(false);

            // What the build found (merged copies, skipped files, a discarded cache) is said before the embedding it
            // may cause, and once.
            var shown = (built?.Warnings ?? []).Where(w => w != index.Embedding.CacheWarning).ToList();
            StartupView.WriteFindings(context.Terminal, built is null ? null : built with { Warnings = shown }, host.Services);
            var report = await EmbeddingProgressView.WaitAsync(index, context.Terminal, cancellationToken).ConfigureAwait(false);
            StartupView.WriteWarnings(context.Terminal, report with { Warnings = [.. report.Warnings.Where(w => !shown.Contains(w))] });
            if (!report.DenseAvailable && index.Embedding.State != EmbeddingState.Failed)
            {
                context.Terminal.Ui.MarkupLine("[grey]No embedding model: search is BM25 only.[/]");
            }

            // The second dense retriever is embedded last: say whether hybrid search ranks with it.
            switch (index.Embedding.SecondDense)
            {
                case EmbeddingState.Ready:
                    context.Terminal.Ui.MarkupLine("The second dense retriever has every passage's vector: hybrid search ranks with both embedders.");
                    break;
                case EmbeddingState.Failed:
                    context.Terminal.Ui.MarkupLine("[yellow]warning: embedding the passages for the second dense retriever failed (the log says why): hybrid search ranks with BM25 and the first embedder. Set Retrieval:SecondDenseWeight=0 to turn it off.[/]");
                    break;
            }

            // The summary comes last, once every stage is done: the progress lines above it are its stages.
            context.Terminal.Ui.WriteLine(StartupView.Summary(report, index.Embedding, Stopwatch.GetElapsedTime(started)));

            if (index.Embedding.State == EmbeddingState.Failed)
            {
                // A script must not take a keyword-only index for a finished one: exit 1, the BM25 index kept.
                HintLine.Write(context.Terminal.Ui, $"The index is kept and BM25 (keyword) search works; the passages embedded before the failure stay cached. Run `{ConsoleCommand.For("index")}` again once the embedding model works (exit code 1).", new Style(Color.Yellow));
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
