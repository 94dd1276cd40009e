using RagAssistant.Console.Cli;
using RagAssistant.Hosting.Models;
using Spectre.Console;

namespace RagAssistant.Console.Rendering;

/// <summary>Runs a model download under a progress bar (bytes, speed, ETA), or with plain lines when not on a terminal.</summary>
internal static class DownloadProgressView
{
    /// <summary>Runs <paramref name="download"/>, showing the progress it reports; returns its result.</summary>
    /// <param name="terminal">Where to show the progress.</param>
    /// <param name="model">The model being downloaded (its name and size label the bar).</param>
    /// <param name="download">Starts the download with a progress sink.</param>
    public static async Task<ModelDownloadResult> RunAsync(
        Terminal terminal, ModelEntry model, Func<IProgress<DownloadProgress>, Task<ModelDownloadResult>> download)
    {
        if (!terminal.IsInteractive)
        {
            terminal.Ui.MarkupLineInterpolated($"Downloading {model.Name} from {model.Url} ...");
            // Only the interruptions, as plain lines: a transcript has no bar to redraw.
            return await download(new InlineProgress<DownloadProgress>(p =>
            {
                if (p.Interruption is { } interruption)
                {
                    terminal.Ui.MarkupLineInterpolated($"[yellow]{interruption}[/]");
                }
            })).ConfigureAwait(false);
        }

        return await terminal.Ui.Progress()
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                // Until the server says the exact length: the manifest's, or its approximate size.
                var expected = ExpectedBytes(model);
                var task = ctx.AddTask(model.Name, maxValue: expected ?? 1);
                task.IsIndeterminate = expected is null;

                // Synchronous progress: the bar is updated on the downloading thread, in order.
                var progress = new InlineProgress<DownloadProgress>(p =>
                {
                    if (p.TotalBytes is { } total)
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = total;
                    }

                    task.Value = p.BytesReceived;

                    // Written through the live display, above the bar, which keeps drawing below it.
                    if (p.Interruption is { } interruption)
                    {
                        terminal.Ui.MarkupLineInterpolated($"[yellow]{interruption}[/]");
                    }
                });
                var result = await download(progress).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            }).ConfigureAwait(false);
    }

    /// <summary>The size to show before the server tells it: the manifest's exact size, else its approximate one (MB), else null.</summary>
    internal static long? ExpectedBytes(ModelEntry model) =>
        model.SizeBytes ?? (model.ApproximateSizeMegabytes is { } mb ? mb * 1_000_000L : null);
}
