using RagAssistant.Console.Cli;
using RagAssistant.Hosting;
using Spectre.Console;

namespace RagAssistant.Console.Rendering;

/// <summary>Shows what the assistant runs on: the chat's start-up banner, <c>/model</c>, and the start-up notices.</summary>
internal static class RuntimeView
{
    /// <summary>The start-up banner: which model, backend and corpus are in use, the notices, and how to start.</summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="runtime">What the assistant runs on.</param>
    /// <param name="paperCount">Papers in the index, or null when unknown.</param>
    public static void WriteBanner(Terminal terminal, AssistantRuntimeInfo runtime, int? paperCount)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        terminal.Ui.MarkupLine("[bold]RagAssistant[/]: questions answered from research-paper abstracts, with citations.");
        WriteModelInfo(terminal, runtime, paperCount);
        WriteNotices(terminal, runtime);
        terminal.Ui.MarkupLine("[grey]Type a question, or /help. Ctrl+C cancels an answer.[/]");
    }

    /// <summary>Model file, backend (context size, threads), embedder and corpus, one per line.</summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="runtime">What the assistant runs on.</param>
    /// <param name="paperCount">Papers in the index, or null to name the folder only.</param>
    public static void WriteModelInfo(Terminal terminal, AssistantRuntimeInfo runtime, int? paperCount)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        ArgumentNullException.ThrowIfNull(runtime);
        var model = runtime.RetrievalOnly
            ? "none (retrieval-only: answers are extracted, not generated)"
            : runtime.ChatModelPath is null ? runtime.ChatModelDescription ?? "remote"
            : $"{Path.GetFileName(runtime.ChatModelPath)}{(runtime.ChatModelDescription is null ? string.Empty : $" ({runtime.ChatModelDescription})")}";
        var embedding = runtime.EmbeddingModelDescription ?? "none (BM25 search only)";
        var corpus = paperCount is { } count ? $"{runtime.CorpusFolder} ({Counts.Of(count, "paper")})" : runtime.CorpusFolder;
        var rows = new List<(string Label, string Value)> { ("model:", model) };
        if (runtime.ChatModelPath is not null)
        {
            rows.Add(("file:", runtime.ChatModelPath));
        }

        rows.Add(("backend:", runtime.ContextSize > 0
            ? $"{runtime.Backend}, context {runtime.ContextSize} tokens, {Counts.Of(runtime.Threads, "thread")}"
            : $"{runtime.Backend} (no chat model loaded)"));
        rows.Add(("embedding:", embedding));
        rows.Add(("corpus:", corpus));

        // The labels left-aligned in one column, each value wrapped under its own start (a long path, a narrow terminal).
        var labelWidth = HangingIndent.Width(rows.Select(r => r.Label));
        foreach (var (label, value) in rows)
        {
            terminal.Ui.Write(new HangingIndent(label.PadRight(labelWidth), labelWidth, new Text(TerminalTextGuard.OneLine(value))));
        }
    }

    /// <summary>
    /// The start-up notices (what is missing and how to fix it): yellow lines, or, when stdout carries a document
    /// (<c>--json</c>), <c>note:</c> lines on stderr.
    /// </summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="runtime">What the assistant runs on, with its notices.</param>
    /// <param name="toStandardError">True to keep stdout for machine output.</param>
    public static void WriteNotices(Terminal terminal, AssistantRuntimeInfo runtime, bool toStandardError = false)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        ArgumentNullException.ThrowIfNull(runtime);
        foreach (var notice in runtime.Notices)
        {
            if (toStandardError)
            {
                terminal.WriteNote(notice);
            }
            else
            {
                HintLine.Write(terminal.Ui, TerminalTextGuard.OneLine(notice), new Style(Color.Yellow));
            }
        }
    }
}
