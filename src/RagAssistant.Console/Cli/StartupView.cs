using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Ingestion;
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
                terminal.Error.WriteLine($"warning: {TerminalTextGuard.OneLine(warning)}");
            }
            else
            {
                terminal.Ui.MarkupLineInterpolated($"[yellow]warning: {TerminalTextGuard.OneLine(warning)}[/]");
            }
        }
    }

    /// <summary>
    /// The chat's start: the corpus warnings, and how many documents were merged as identical copies, said once per
    /// change of those merges (what was said, by the chat or by <c>index</c>, is remembered in the cache folder, one
    /// file per corpus folder), not at every start; <c>index</c> lists them whenever it runs.
    /// </summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="report">The build's report, or null when no index is registered.</param>
    /// <param name="services">The host's services (the corpus options: where the cache folder is).</param>
    public static void WriteChatStart(Terminal terminal, IndexReport? report, IServiceProvider services)
    {
        WriteWarnings(terminal, report);
        if (report is not null && MergeReport.MarkReported(services.GetRequiredService<IOptions<CorpusOptions>>().Value, report.Merges))
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]{Counts.Of(report.MergedPapers, "document")} had identical copies, each merged into one source ('index' lists them).[/]");
        }
    }

    /// <summary>
    /// What a build found, said by <c>index</c> before the embedding it may cause: the identical copies it merged, one
    /// line per set of files (remembered as said, so the next chat does not say them again), and its warnings.
    /// </summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="report">The build's report, or null when no index is registered.</param>
    /// <param name="services">The host's services (the corpus options: where the cache folder is).</param>
    public static void WriteFindings(Terminal terminal, IndexReport? report, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        ArgumentNullException.ThrowIfNull(services);
        if (report is not null)
        {
            MergeReport.MarkReported(services.GetRequiredService<IOptions<CorpusOptions>>().Value, report.Merges);
        }

        foreach (var merge in report?.Merges ?? [])
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]{TerminalTextGuard.OneLine(merge)}[/]");
        }

        WriteWarnings(terminal, report);
    }

    /// <summary>
    /// <c>index</c>'s last line, the whole of what it built: "Indexed 312 papers in 2,674 passages (2,674 embedded, 0
    /// from cache); 9,120 of 9,120 source sentences have their vectors; 95.3 s in all." Written once everything is
    /// embedded, after the progress lines, so no later line reports on an earlier stage.
    /// </summary>
    /// <param name="report">The final report (every vector waited for).</param>
    /// <param name="embedding">Where embedding stands: the source sentences' counts.</param>
    /// <param name="elapsed">The whole command's time: the build and all the embedding.</param>
    public static string Summary(IndexReport report, EmbeddingProgress embedding, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(embedding);
        var sentences = embedding.SentencesTotal > 0
            ? $"; {Counts.Format(embedding.SentencesDone)} of {Counts.Of(embedding.SentencesTotal, "source sentence")} have their vectors"
            : string.Empty;
        return $"Indexed {Counts.Of(report.Papers, "paper")} in {Counts.Of(report.Passages, "passage")} ({Counts.Format(report.Embedded)} embedded, {Counts.Format(report.FromCache)} from cache){sentences}; " +
            string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.0} s in all.");
    }
}

/// <summary>The console's fetch instruction in start-up notices: the command as the console was started (<see cref="ConsoleCommand.Run"/>).</summary>
internal sealed class ConsoleDownloadHint : IModelDownloadHint
{
    /// <inheritdoc/>
    public string Describe(string role, string path, ModelEntry? model) =>
        $"Fetch it with `{ConsoleCommand.Download(role)}`{ConsoleCommand.Where} (or save the GGUF file named in models/models.json at that path)";

    /// <inheritdoc/>
    public string DescribeRetry(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return $"the next `{ConsoleCommand.Download(model.DownloadArgument)}`";
    }

    /// <inheritdoc/>
    public string DescribeDownloadAgain(string role) =>
        $"download the default one with `{ConsoleCommand.Download(role)}`{ConsoleCommand.Where} (see the README)";
}

/// <summary>Reports on the calling thread, in order (System.Progress posts to the thread pool and can reorder).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}

/// <summary>
/// Which merges of identical copies the chat or <c>index</c> last reported for a corpus folder, in a small file of the
/// cache folder, so the same merges are not reported at every start. A file that cannot be read or written only means
/// saying it again.
/// </summary>
internal static class MergeReport
{
    /// <summary>
    /// Records <paramref name="merges"/> as reported for this corpus; true when there are some and they differ from
    /// those last reported. None forgets the last ones, so copies that come back are reported again.
    /// </summary>
    /// <param name="corpus">Where the corpus and the cache folder are.</param>
    /// <param name="merges">The merges of the build just done.</param>
    public static bool MarkReported(CorpusOptions corpus, IReadOnlyList<string> merges)
    {
        var folder = corpus.ResolveFolder();
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..16];
        var path = Path.Combine(corpus.ResolveCacheFolder(), $"merges-reported-{key}.txt");
        var text = string.Join('\n', merges);
        try
        {
            if (merges.Count == 0)
            {
                File.Delete(path);
                return false;
            }

            if (File.Exists(path) && string.Equals(File.ReadAllText(path), text, StringComparison.Ordinal))
            {
                return false;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Said again next time: harmless.
        }

        return true;
    }
}
