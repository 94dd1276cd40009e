using System.Diagnostics;
using System.Globalization;
using RagAssistant.Core.Retrieval;
using Spectre.Console;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// Shows background passage embedding: a live Spectre.Console progress bar for commands that wait for the vectors
/// (<c>index</c>, <c>eval --retriever dense|hybrid</c>), and, when the chat's output is piped, a one-line state printed
/// once above the first prompt (an interactive chat has the live <see cref="EmbeddingStatusBar"/> instead).
/// </summary>
internal static class EmbeddingProgressView
{
    private const int BarWidth = 30;

    /// <summary>"120/312 passages, 35.2/s, about 5 s left".</summary>
    public static string Describe(EmbeddingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var text = $"{Counts.Ratio(progress.Done, progress.Total)} passages";
        if (progress.PassagesPerSecond is { } rate)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", {rate:F1}/s");
        }

        if (progress.Eta is { } eta)
        {
            text += $", about {FormatEta(eta)} left";
        }

        return text;
    }

    /// <summary>"source sentences 1200/2681 embedded, about 20 s left": the relevance gate's sentence vectors, embedded after the passages.</summary>
    public static string DescribeSentences(EmbeddingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var text = $"source sentences {Counts.Ratio(progress.SentencesDone, progress.SentencesTotal)} embedded";
        return progress.SentencesEta is { } eta && progress.SentencesDone < progress.SentencesTotal ? $"{text}, about {FormatEta(eta)} left" : text;
    }

    /// <summary>
    /// When a command ends before the vectors are all embedded (the passages, then the source sentences, then the
    /// second dense retriever's passages): a note on standard error that the semantic index is unfinished, that what was embedded is kept (the cache is saved as it goes and when the job stops)
    /// or, when the cache cannot be written (<see cref="EmbeddingProgress.CacheWarning"/>, said when the build started), lost at exit, and
    /// how to finish it, so that a user of short <c>ask</c> runs is not left with keyword search without knowing why.
    /// </summary>
    /// <param name="terminal">Where to write (its standard error).</param>
    /// <param name="index">The corpus index, or null without one.</param>
    /// <returns>Whether the note was written.</returns>
    public static bool WriteUnfinishedOnExit(Cli.Terminal terminal, ICorpusIndex? index)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        string what;
        switch (index?.Embedding)
        {
            case { State: EmbeddingState.Running } progress when progress.Done < progress.Total:
                what = $"{Counts.Ratio(progress.Done, progress.Total)} passages embedded";
                break;
            case { State: EmbeddingState.Ready } ready when ready.SentencesPending || ready.SecondDensePending:
                what = ready.SentencesPending
                    ? $"source sentences {Counts.Ratio(ready.SentencesDone, ready.SentencesTotal)} embedded" + (ready.SecondDensePending ? ", then the second dense retriever's passages and token vectors" : string.Empty)
                    : "the second dense retriever's passages and token vectors are being embedded";
                break;
            default:
                return false;
        }

        if (index.Embedding.CacheWarning is not null)
        {
            // Nothing was saved: promising "kept" would send the user back to a cold start they did not expect. The
            // warning itself was said when the build started (chat, ask, index).
            terminal.WriteNote($"The semantic index is not finished ({what}); what is embedded is lost at exit, because the embedding cache cannot be written (the warning above says why). `{Cli.ConsoleCommand.For("index")}` builds it in full once it can.");
            return true;
        }

        if (index.Embedding is { State: EmbeddingState.Running, Done: 0 })
        {
            // Nothing to keep yet: "what is embedded is kept" would read as if something were.
            terminal.WriteNote($"The semantic index is not built yet ({what}). It is built at the next start; `{Cli.ConsoleCommand.For("index")}` builds it in full.");
            return true;
        }

        terminal.WriteNote($"The semantic index is not finished ({what}; what is embedded is kept). It goes on at the next start; `{Cli.ConsoleCommand.For("index")}` builds it in full.");
        return true;
    }

    /// <summary>The line shown once above a piped chat's prompt while the vectors are pending.</summary>
    public static string PromptLine(EmbeddingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var filled = progress.Total == 0 ? 0 : (int)Math.Round(BarWidth * (double)progress.Done / progress.Total);
        return $"[grey]Semantic index[/] [green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/] [grey]{Markup.Escape(Describe(progress))}; answers use BM25 (keywords) until it is ready[/]";
    }

    /// <summary>
    /// Before a chat prompt: the progress line once, at the first prompt where the vectors are pending (piped output
    /// only: an interactive terminal has the live bar on its bottom row; not before every prompt, so a piped
    /// transcript stays clean), then once a line saying they are ready, or that embedding failed.
    /// A chat that starts with the passages ready (their vectors cached) but the sentences or the second dense
    /// retriever still to embed says so at its first prompt.
    /// </summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="progress">Where embedding stands, or null without an index.</param>
    /// <param name="shownBefore">Whether the vectors were pending at the previous prompt.</param>
    /// <param name="firstPrompt">Whether this is the chat's first prompt.</param>
    /// <returns>Whether the vectors are pending now (pass it as <paramref name="shownBefore"/> next time).</returns>
    public static bool WriteAbovePrompt(Cli.Terminal terminal, EmbeddingProgress? progress, bool shownBefore, bool firstPrompt = false)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        switch (progress)
        {
            case { IsPending: true } pending:
                // Once, where it starts pending: a bar redrawn before every prompt would fill a piped transcript.
                if (!terminal.IsInteractive && !shownBefore)
                {
                    terminal.Ui.MarkupLine(PromptLine(pending));
                }

                return true;
            case { State: EmbeddingState.Ready } ready when shownBefore:
                terminal.Ui.MarkupLineInterpolated($"[green]Semantic index ready ({Counts.Of(ready.Total, "passage")}): answers now use hybrid search.[/]");
                WriteStillEmbedding(terminal, ready);
                return false;
            case { State: EmbeddingState.Ready } ready when firstPrompt:
                WriteStillEmbedding(terminal, ready);
                return false;
            case { State: EmbeddingState.Failed } failed when shownBefore:
                terminal.Ui.MarkupLineInterpolated($"[yellow]Embedding the passages failed ({TerminalTextGuard.OneLine(failed.Error)}): answers keep using BM25.[/]");
                return false;
            default:
                return false;
        }
    }

    // What still embeds in the background once hybrid search runs: the sentences, then the second dense retriever.
    private static void WriteStillEmbedding(Cli.Terminal terminal, EmbeddingProgress ready)
    {
        if (ready.SentencesPending)
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]{DescribeSentences(ready)} (in the background; the \"not covered\" check uses them once all are done).[/]");
        }

        if (ready.SecondDensePending)
        {
            terminal.Ui.MarkupLine(ready.SentencesPending
                ? "[grey]The second dense retriever joins the ranking once its passage vectors are embedded (in the background, after the sentences).[/]"
                : "[grey]The second dense retriever joins the ranking once its passage vectors are embedded (in the background).[/]");
        }
    }

    /// <summary>Before a chat prompt: the embedding cache's warning (it could not be saved), once.</summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="progress">Where embedding stands, or null without an index.</param>
    /// <param name="shownBefore">Whether the warning was shown at an earlier prompt.</param>
    /// <returns>Whether the warning has been shown now or before (pass it as <paramref name="shownBefore"/> next time).</returns>
    public static bool WriteCacheWarning(Cli.Terminal terminal, EmbeddingProgress? progress, bool shownBefore)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        if (shownBefore || progress?.CacheWarning is not { } warning)
        {
            return shownBefore;
        }

        terminal.Ui.MarkupLineInterpolated($"[yellow]warning: {TerminalTextGuard.OneLine(warning)}[/]");
        return true;
    }

    /// <summary>Waits for the vectors with a progress bar (a log line per stage when not interactive); returns the final report.</summary>
    public static async Task<IndexReport> WaitAsync(ICorpusIndex index, Cli.Terminal terminal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(terminal);
        var waiting = index.WaitForVectorsAsync(cancellationToken);

        // An unusable cache folder is known before the first batch: said now, not after the embedding, and once.
        if (index.Embedding.CacheWarning is { } cacheWarning)
        {
            terminal.Ui.MarkupLineInterpolated($"[yellow]warning: {TerminalTextGuard.OneLine(cacheWarning)}[/]");
            var final = await WaitWithBarAsync(index, terminal, waiting, cancellationToken).ConfigureAwait(false);
            return final with { Warnings = [.. final.Warnings.Where(w => w != cacheWarning)] };
        }

        return await WaitWithBarAsync(index, terminal, waiting, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IndexReport> WaitWithBarAsync(ICorpusIndex index, Cli.Terminal terminal, Task<IndexReport> waiting, CancellationToken cancellationToken)
    {
        if (!(index.Embedding.IsPending || index.Embedding.SentencesPending || index.Embedding.SecondDensePending))
        {
            return await waiting.ConfigureAwait(false);
        }

        if (!terminal.IsInteractive)
        {
            return await WaitWithLinesAsync(index, terminal, waiting, cancellationToken).ConfigureAwait(false);
        }

        await terminal.Ui.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Embedding passages", maxValue: Math.Max(1, index.Embedding.Total));
                while (!waiting.IsCompleted)
                {
                    var progress = index.Embedding;
                    var sentences = progress.SentencesPending;
                    var second = !progress.IsPending && !sentences && progress.SecondDensePending;
                    task.IsIndeterminate = second && progress.SecondDenseTotal == 0; // queued: no count yet
                    task.MaxValue = Math.Max(1, sentences ? progress.SentencesTotal : second ? progress.SecondDenseTotal : progress.Total);
                    task.Value = sentences ? progress.SentencesDone : second ? progress.SecondDenseDone : progress.Done;
                    task.Description = Markup.Escape($"Embedding {Stage(progress)}");
                    await Task.WhenAny(waiting, Task.Delay(200, cancellationToken)).ConfigureAwait(false);
                }

                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return await waiting.ConfigureAwait(false);
    }

    // Redirected output (`index > log.txt`) has no bar: a line when a stage starts and every LineInterval, so the
    // minutes spent embedding sentences do not pass in silence.
    private static async Task<IndexReport> WaitWithLinesAsync(ICorpusIndex index, Cli.Terminal terminal, Task<IndexReport> waiting, CancellationToken cancellationToken)
    {
        int? stage = null;
        var lastLine = Stopwatch.GetTimestamp();
        while (!waiting.IsCompleted)
        {
            var progress = index.Embedding;
            int? now = progress.SentencesPending ? 1 : progress.IsPending ? 0 : progress.SecondDensePending ? 2 : null;
            if (now is not null && (stage != now || Stopwatch.GetElapsedTime(lastLine) >= LineInterval))
            {
                terminal.Ui.WriteLine($"Embedding {Stage(progress)}");
                (stage, lastLine) = (now, Stopwatch.GetTimestamp());
            }

            await Task.WhenAny(waiting, Task.Delay(500, cancellationToken)).ConfigureAwait(false);
        }

        return await waiting.ConfigureAwait(false);
    }

    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(15);

    // What is being embedded now: the passages, then the source sentences, then the second dense retriever's passages
    // and token vectors, each with its count (a heartbeat line without one repeated itself every 15 s of the token phase).
    private static string Stage(EmbeddingProgress progress) =>
        progress.SentencesPending ? DescribeSentences(progress)
        : !progress.IsPending && progress.SecondDensePending ? DescribeSecondDense(progress)
        : Describe(progress);

    /// <summary>"the second dense retriever's token vectors, 120/312 passages (...)": its phase and count, or that it is queued.</summary>
    public static string DescribeSecondDense(EmbeddingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        const string Then = "(all of them, then hybrid search ranks with both embedders and the token match)";
        if (progress.SecondDenseTotal == 0)
        {
            return $"the second dense retriever's passages and token vectors {Then}";
        }

        var phase = progress.SecondDenseTokens ? "token vectors" : "passages";
        return $"the second dense retriever's {phase}, {Counts.Ratio(progress.SecondDenseDone, progress.SecondDenseTotal)} passages {Then}";
    }

    private static string FormatEta(TimeSpan eta) => eta.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(eta.TotalSeconds):F0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)eta.TotalMinutes} min {eta.Seconds} s");
}
