using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Core.Retrieval;
using Spectre.Console;

namespace RagAssistant.Console.Cli;

/// <summary>Brings the index up before the first question: from the cache when it is fresh, with a progress bar otherwise.</summary>
internal static class AssistantStartup
{
    /// <summary>Builds or refreshes the index unless it is ready; returns the build report, or null when nothing ran.</summary>
    public static async Task<IndexReport?> EnsureIndexAsync(IServiceProvider services, Terminal terminal, bool force, CancellationToken cancellationToken)
    {
        var index = services.GetService<ICorpusIndex>();
        if (index is null || (index.IsReady && !force))
        {
            return null;
        }

        if (!terminal.IsInteractive)
        {
            return await index.BuildAsync(progress: null, cancellationToken).ConfigureAwait(false);
        }

        return await terminal.Ui.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new InlineProgress<IndexProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task))
                    {
                        task = tasks[p.Stage] = ctx.AddTask($"Index: {p.Stage}", maxValue: Math.Max(1, p.Total));
                    }

                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                });
                return await index.BuildAsync(progress, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>One line about what the index holds, plus its warnings.</summary>
    public static void WriteReport(Terminal terminal, IndexReport report)
    {
        terminal.Ui.MarkupLineInterpolated(
            $"Indexed {report.Papers} papers in {report.Passages} passages ({report.Embedded} embedded, {report.FromCache} from cache) in {report.Elapsed.TotalSeconds:0.0} s.");
        if (!report.DenseAvailable)
        {
            terminal.Ui.MarkupLine("[grey]No embedding model: search is BM25 only.[/]");
        }

        foreach (var merge in report.Merges)
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]{merge}[/]");
        }

        foreach (var warning in report.Warnings)
        {
            terminal.Ui.MarkupLineInterpolated($"[yellow]warning: {warning}[/]");
        }
    }
}

/// <summary>Reports on the calling thread, in order (System.Progress posts to the thread pool and can reorder).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
