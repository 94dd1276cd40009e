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
            var result = await download(new Progress<DownloadProgress>()).ConfigureAwait(false);
            return result;
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
                var task = ctx.AddTask(model.Name, maxValue: model.SizeBytes ?? 1);
                task.IsIndeterminate = model.SizeBytes is null;

                // Synchronous progress: the bar is updated on the downloading thread, in order.
                var progress = new InlineProgress<DownloadProgress>(p =>
                {
                    if (p.TotalBytes is { } total)
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = total;
                    }

                    task.Value = p.BytesReceived;
                });
                var result = await download(progress).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            }).ConfigureAwait(false);
    }
}
