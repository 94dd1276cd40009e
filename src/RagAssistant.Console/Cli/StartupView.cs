using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.Startup;
using Spectre.Console;

namespace RagAssistant.Console.Cli;

/// <summary>
/// The console in front of the shared start-up (<see cref="AssistantStartup"/>): it awaits each step where the
/// command needs it, shows the index build as a progress bar, and stops on a model that fails to load.
/// </summary>
internal static class StartupView
{
    /// <summary>Loads the models and returns what the assistant runs on (notices included).</summary>
    /// <exception cref="Exception">A model failed to load (e.g. <see cref="InvalidDataException"/> for a file that is not GGUF): the console exits with its message.</exception>
    public static async Task<AssistantRuntimeInfo> LoadModelsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var startup = services.GetRequiredService<AssistantStartup>();
        var runtime = await startup.LoadModelsAsync(cancellationToken).ConfigureAwait(false);
        startup.ThrowIfModelsFailed();
        return runtime;
    }

    /// <summary>Builds (or refreshes from the cache) the index; returns the build report, or null when no index is registered.</summary>
    /// <exception cref="Exception">The build failed (a missing corpus folder, an unreadable cache).</exception>
    public static async Task<IndexReport?> BuildIndexAsync(IServiceProvider services, Terminal terminal, CancellationToken cancellationToken)
    {
        var startup = services.GetRequiredService<AssistantStartup>();
        if (!terminal.IsInteractive || services.GetService<ICorpusIndex>() is null)
        {
            return await startup.BuildIndexAsync(progress: null, "start", cancellationToken).ConfigureAwait(false);
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
                return await startup.BuildIndexAsync(progress, "start", cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// The corpus warnings of a build (files read with a fallback encoding, lines skipped): yellow lines, or, when
    /// stdout carries a document (<c>--json</c>), <c>warning:</c> lines on stderr. The console's only report of them:
    /// their log lines are filtered (<see cref="AssistantHostFactory"/>).
    /// </summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="report">The build's report, or null when no index is registered.</param>
    /// <param name="toStandardError">True to keep stdout for machine output.</param>
    public static void WriteWarnings(Terminal terminal, IndexReport? report, bool toStandardError = false)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        foreach (var warning in report?.Warnings ?? [])
        {
            if (toStandardError)
            {
                terminal.Error.WriteLine($"warning: {warning}");
            }
            else
            {
                terminal.Ui.MarkupLineInterpolated($"[yellow]warning: {warning}[/]");
            }
        }
    }

    /// <summary>The chat's start: the corpus warnings, and how many documents were merged as identical copies.</summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="report">The build's report, or null when no index is registered.</param>
    public static void WriteChatStart(Terminal terminal, IndexReport? report)
    {
        WriteWarnings(terminal, report);
        if (report?.Merges is { Count: > 0 } merges)
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]{merges.Count} documents had identical copies, each merged into one source ('index' lists them).[/]");
        }
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    /// <summary>One line about what the index holds, plus its warnings.</summary>
    public static void WriteReport(Terminal terminal, IndexReport report)
    {
        terminal.Ui.MarkupLineInterpolated(
            $"Indexed {Count(report.Papers, "paper")} in {Count(report.Passages, "passage")} ({report.Embedded} embedded, {report.FromCache} from cache) in {report.Elapsed.TotalSeconds:0.0} s.");
        if (!report.DenseAvailable)
        {
            terminal.Ui.MarkupLine("[grey]No embedding model: search is BM25 only.[/]");
        }

        foreach (var merge in report.Merges)
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]{merge}[/]");
        }

        WriteWarnings(terminal, report);
    }
}

/// <summary>The console's fetch instruction in start-up notices: the command that works from the repository root.</summary>
internal sealed class ConsoleDownloadHint : IModelDownloadHint
{
    /// <inheritdoc/>
    public string Describe(string role, string path, ModelEntry? model) =>
        $"Fetch it with `{ConsoleCommand.Download(role)}` from the repository root (or save the GGUF file named in models/models.json at that path)";
}

/// <summary>Reports on the calling thread, in order (System.Progress posts to the thread pool and can reorder).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}
