using Microsoft.Extensions.AI;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Conversations;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RagAssistant.Console.Chat;

/// <summary>
/// The interactive conversation's front end: reads questions and slash commands and renders each answer with its
/// sources; the turns for follow-up questions are the <see cref="AssistantConversation"/>'s. Ctrl+C cancels the answer
/// in progress; a second Ctrl+C at an empty prompt exits. Nothing the user types ends the session except /exit,
/// Ctrl+D or the second Ctrl+C. With a <see cref="ConversationService"/> the conversation is stored (created on its
/// first question): <c>/history</c> lists the recent ones, <c>/open N</c> switches to one, <c>/new</c> starts fresh,
/// <c>/rename</c>, <c>/delete</c> and <c>/export</c> do what the service's <c>/api/conversations</c> does, through the
/// same <see cref="ConversationService"/>, and <see cref="ResumeAsync"/> continues one (<c>--continue</c>,
/// <c>--conversation ID</c>).
/// </summary>
/// <remarks>
/// While the passage vectors are computed in the background, progress shows as a live bar on the terminal's bottom
/// row (<see cref="EmbeddingStatusBar"/>), or, when output is piped, as a line above each prompt; answers say they
/// came from BM25. Once the vectors are ready a line says so, and the next question is answered with hybrid search.
/// </remarks>
internal sealed class ChatSession(AssistantService assistant, AssistantRuntimeInfo runtime, Terminal terminal, ILineReader reader, ICorpusIndex? index = null, ConversationService? conversations = null, bool verbose = false)
{
    private const string Prompt = "> ";

    // Conversations /history lists.
    private const int HistoryPageSize = 10;

    // How /rename takes its title, as the message on an empty one says it.
    private const string RenameUsage = "/rename TITLE";

    private readonly AnswerRenderer renderer = new(terminal);
    private readonly Lock gate = new();
    private AssistantConversation conversation = conversations?.StartConversation() ?? assistant.StartConversation();
    private IReadOnlyList<ConversationSummary> listed = [];
    private CancellationTokenSource? currentAnswer;

    // Ctrl+C since the last line or answer, however it came: as a key read at the prompt (LineEditor), or as a signal
    // (Interrupt) where the terminal delivered it before the prompt's key read began, as it does to a Ctrl+C pressed
    // the moment the prompt appears, and always with piped input. One count, so two quick presses leave whichever way
    // each came.
    private int promptInterrupts;

    /// <summary>The stored conversation's id; null before its first question, or without a store.</summary>
    public string? ConversationId => conversation.Id;

    /// <summary>The folder <c>/export</c> writes a relative or default file name in: the working directory.</summary>
    public string WorkingFolder { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>The folder a leading <c>~</c> of <c>/export</c>'s file stands for, as a shell would: the user's home.</summary>
    public string HomeFolder { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>
    /// Continues a stored conversation: the one with <paramref name="id"/>, or the most recently updated when
    /// <paramref name="id"/> is null. Says which, with its last turn; false (and says why) when there is none.
    /// </summary>
    /// <param name="id">The conversation, or null for the latest.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>True when a conversation was resumed.</returns>
    public async Task<bool> ResumeAsync(string? id, CancellationToken cancellationToken)
    {
        if (conversations is null)
        {
            return false;
        }

        if (id is null && (await conversations.Store.ListAsync(null, 1, null, cancellationToken).ConfigureAwait(false)).Conversations is [var latest])
        {
            id = latest.Id;
        }

        if (id is null)
        {
            terminal.Ui.MarkupLine("[grey]No earlier conversation: starting a new one.[/]");
            return false;
        }

        return await OpenAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Earlier turns sent with follow-up questions.</summary>
    public IReadOnlyList<ChatMessage> History => conversation.History;

    /// <summary>Cancels the answer being produced; false when none is (so Ctrl+C at the prompt means something else).</summary>
    public bool CancelCurrentAnswer()
    {
        lock (gate)
        {
            if (currentAnswer is null)
            {
                return false;
            }

            currentAnswer.Cancel();
            return true;
        }
    }

    /// <summary>
    /// A Ctrl+C that came as a signal (SIGINT) rather than as a key of the prompt: cancels the answer in progress, or
    /// counts as a Ctrl+C at the prompt, with the same count as the prompt's keys.
    /// </summary>
    /// <returns>What it did: cancelled the answer, warned (the first at the prompt), or the second, which leaves.</returns>
    public ChatInterrupt Interrupt()
    {
        lock (gate)
        {
            if (currentAnswer is not null)
            {
                currentAnswer.Cancel();
                return ChatInterrupt.AnswerCancelled;
            }

            return ++promptInterrupts == 1 ? ChatInterrupt.Warned : ChatInterrupt.Leave;
        }
    }

    // A Ctrl+C read as a key at the prompt; true when one came before it since the last line (the second leaves).
    private bool InterruptedBefore()
    {
        lock (gate)
        {
            return promptInterrupts++ > 0;
        }
    }

    private void SetInterrupted(bool interrupted)
    {
        lock (gate)
        {
            promptInterrupts = interrupted ? 1 : 0;
        }
    }

    /// <summary>Runs until the user leaves; returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var embeddingShown = false;
        var cacheWarningShown = false;
        var firstPrompt = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            embeddingShown = EmbeddingProgressView.WriteAbovePrompt(terminal, index?.Embedding, embeddingShown, firstPrompt);
            firstPrompt = false;
            cacheWarningShown = EmbeddingProgressView.WriteCacheWarning(terminal, index?.Embedding, cacheWarningShown);
            var input = reader.ReadLine(Prompt);
            switch (input.Kind)
            {
                case LineInputKind.EndOfInput:
                    return ExitCodes.Success;
                case LineInputKind.Interrupt when InterruptedBefore() && input.Text.Length == 0:
                    return ExitCodes.Success;
                case LineInputKind.Interrupt:
                    // The line is cleared: the next prompt is empty, and a Ctrl+C there leaves, as the hint says.
                    terminal.Ui.MarkupLine("[grey](Ctrl+C again at an empty prompt, or /exit, to leave)[/]");
                    SetInterrupted(true);
                    continue;
            }

            SetInterrupted(false);
            var text = input.Text.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            text = BareCommand(text) ?? text;

            if (text.StartsWith('/'))
            {
                if (!await RunCommandAsync(text, cancellationToken).ConfigureAwait(false))
                {
                    return ExitCodes.Success;
                }

                continue;
            }

            SetInterrupted(await AnswerAsync(text, cancellationToken).ConfigureAwait(false));
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// The slash command a line means when it is a command word alone, typed without its slash as a new user does:
    /// <c>help</c>, <c>?</c> or <c>/?</c> is <c>/help</c>; <c>exit</c> or <c>quit</c> is <c>/exit</c> (any case, a
    /// trailing <c>?</c>, <c>!</c> or <c>.</c> allowed), as psql reads them. Null for anything else: a word with
    /// others around it (<c>help me understand LoRA</c>) is a question.
    /// </summary>
    internal static string? BareCommand(string line)
    {
        var word = line.Trim();
        if (word is "?" or "/?")
        {
            return "/help";
        }

        return word.TrimEnd('?', '!', '.').ToLowerInvariant() switch
        {
            "help" => "/help",
            "exit" or "quit" => "/exit",
            _ => null,
        };
    }

    /// <summary>Prints the start-up banner: which model, backend and corpus are in use.</summary>
    /// <param name="paperCount">Papers in the index, or null when unknown.</param>
    public void WriteBanner(int? paperCount) => RuntimeView.WriteBanner(terminal, runtime, paperCount);

    /// <summary>Answers one question; returns true when it was cancelled by Ctrl+C.</summary>
    private async Task<bool> AnswerAsync(string question, CancellationToken cancellationToken)
    {
        using var answerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (gate)
        {
            currentAnswer = answerCancellation;
        }

        try
        {
            var validation = conversation.Validate(question);
            if (validation.Request is not { } request)
            {
                terminal.Ui.MarkupLineInterpolated($"[red]{validation.Error}[/]"); // a whole sentence: what is wrong and what to do
                return false;
            }

            await renderer.RenderAsync(conversation.AskStreamingAsync(request, answerCancellation.Token), answerCancellation.Token).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException) when (answerCancellation.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            terminal.Out.WriteLine();
            terminal.Ui.MarkupLine("[yellow]Answer cancelled.[/]");
            return true;
        }
        catch (ConversationStoreException ex)
        {
            // The store failed (a full disk): the chat goes on, and says so.
            terminal.Out.WriteLine();
            terminal.Ui.MarkupLineInterpolated($"[red]{TerminalTextGuard.OneLine(ex.Message)}[/]");
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed answer must not end the conversation; a model server's says which server and what to fix.
            terminal.Out.WriteLine();
            terminal.Ui.MarkupLineInterpolated($"[red]Could not answer: {TerminalTextGuard.OneLine(ex.Message)}[/]");
            if (verbose)
            {
                terminal.Error.WriteLine(ex.ToString());
            }

            return false;
        }
        finally
        {
            lock (gate)
            {
                currentAnswer = null;
            }
        }
    }

    /// <summary>Runs a slash command; returns false for /exit.</summary>
    private async Task<bool> RunCommandAsync(string text, CancellationToken cancellationToken)
    {
        var parts = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var command = parts[0].ToLowerInvariant();
        try
        {
            return await RunCommandAsync(command, parts.Length > 1 ? parts[1] : null, cancellationToken).ConfigureAwait(false);
        }
        catch (ConversationStoreException ex)
        {
            // The store's not-found names no way to list them: each front end adds its own.
            var list = ex.Error == ConversationStoreError.NotFound ? " /history lists them." : string.Empty;
            terminal.Ui.MarkupLineInterpolated($"[red]{TerminalTextGuard.OneLine(ex.Message)}{list}[/]");
            return true;
        }
    }

    private async Task<bool> RunCommandAsync(string command, string? argument, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case "/exit" or "/quit":
                return false;
            case "/help":
                WriteHelp();
                break;
            case "/sources":
                renderer.WriteOfferedSources();
                break;
            case "/evidence":
                renderer.WriteEvidence(renderer.LastResult);
                break;
            case "/reset" or "/new":
                conversation.Reset();
                renderer.Forget(); // the last answer's sources belong to the conversation left behind
                terminal.Ui.MarkupLine(conversations is null
                    ? "[grey]Conversation cleared: the next question starts fresh.[/]"
                    : "[grey]New conversation: the next question starts fresh (/history lists the earlier ones).[/]");
                break;
            case "/history" when conversations is not null:
                await WriteHistoryAsync(argument, cancellationToken).ConfigureAwait(false);
                break;
            case "/open" when conversations is not null:
                await OpenListedAsync(argument, cancellationToken).ConfigureAwait(false);
                break;
            case "/rename" when conversations is not null:
                await RenameAsync(argument, cancellationToken).ConfigureAwait(false);
                break;
            case "/delete" when conversations is not null:
                await DeleteAsync(argument, cancellationToken).ConfigureAwait(false);
                break;
            case "/export" when conversations is not null:
                await ExportAsync(argument, cancellationToken).ConfigureAwait(false);
                break;
            case "/history" or "/open" or "/rename" or "/delete" or "/export":
                terminal.Ui.MarkupLine("[yellow]Conversations are not stored in this chat.[/]");
                break;
            case "/model":
                RuntimeView.WriteModelInfo(terminal, runtime, paperCount: null);
                break;
            default:
                terminal.Ui.MarkupLineInterpolated($"[yellow]Unknown command {command}.[/] Type /help for the list.");
                break;
        }

        return true;
    }

    private void WriteHelp()
    {
        List<(string Command, string What)> rows =
        [
            ("/help", "this list (also help or ? alone on the line)"),
            ("/sources", "the passages offered for the last answer, with scores"),
            ("/evidence", "each claim of the last answer with the sentence of each source that supports it, or not"),
            ("/new", "start a new conversation (follow-ups start fresh; also /reset)"),
        ];
        if (conversations is not null)
        {
            rows.Add(("/history [words]", $"the {HistoryPageSize} most recent conversations (with words: those whose title has them)"));
            rows.Add(("/open N", "continue conversation N of /history (or /open ID)"));
            rows.Add(("/rename TITLE", "rename the current conversation"));
            rows.Add(("/delete [N]", "delete the current conversation, or N of /history (or /delete ID), after a y/N question"));
            rows.Add(("/export [FILE]", "save the current conversation as Markdown to FILE (default: named after its title, here); never overwrites"));
        }

        rows.Add(("/model", "what is loaded: model file, backend, context size, threads"));
        rows.Add(("/exit", "leave (also exit or quit alone on the line, Ctrl+D, or Ctrl+C twice at an empty prompt)"));

        // Two columns, the commands padded and each description wrapped under its own start (a narrow terminal);
        // no table: it pads every cell to its column's width, trailing spaces on each line of a copied transcript.
        var width = HangingIndent.Width(rows.Select(r => r.Command));
        foreach (var (command, what) in rows)
        {
            terminal.Ui.Write(new HangingIndent(command.PadRight(width), width, new Text(what), margin: 0));
        }

        terminal.Ui.MarkupLine("[grey]Ctrl+C cancels the answer in progress. Up/Down recall earlier questions.[/]");
    }

    private async Task WriteHistoryAsync(string? query, CancellationToken cancellationToken)
    {
        listed = (await conversations!.Store.ListAsync(query, HistoryPageSize, null, cancellationToken).ConfigureAwait(false)).Conversations;
        if (listed.Count == 0)
        {
            terminal.Ui.MarkupLine(query is null ? "[grey]No stored conversations yet.[/]" : "[grey]No conversation title has those words.[/]");
            return;
        }

        // One line per conversation, in columns: the numbers and turn counts right-aligned, and a title too long for
        // the terminal cut with an ellipsis rather than wrapped (a wrapped title breaks the rows apart). The title gets
        // the width the other columns leave, as Spectre measures them.
        var table = new Table().NoBorder().HideHeaders()
            .AddColumn(new TableColumn("n").RightAligned().NoWrap())
            .AddColumn(new TableColumn("title").NoWrap())
            .AddColumn(new TableColumn("turns").RightAligned().NoWrap())
            .AddColumn(new TableColumn("turn").NoWrap())
            .AddColumn(new TableColumn("updated").NoWrap());
        foreach (var (item, i) in listed.Select((item, i) => (item, i)))
        {
            table.AddRow(
                new Text($"{i + 1}."),
                Text.Empty,
                new Text(item.TurnCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(item.TurnCount == 1 ? "turn" : "turns"),
                new Text(item.Updated.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        }

        var width = terminal.Ui.Profile.Width;
        var options = RenderOptions.Create(terminal.Ui);
        var titleWidth = Math.Max(12, width - ((IRenderable)table).Measure(options, width).Max);
        foreach (var (item, i) in listed.Select((item, i) => (item, i)))
        {
            var current = item.Id == conversation.Id ? " (current)" : string.Empty;
            var title = FitCells(TerminalTextGuard.OneLine(item.Title), titleWidth - current.Length, options);
            table.UpdateCell(i, 1, new Markup(Markup.Escape(title) + (current.Length > 0 ? $" [green]{current.Trim()}[/]" : string.Empty)));
        }

        terminal.Ui.Write(table);
        terminal.Ui.MarkupLine("[grey]/open N continues one.[/]");
    }

    // The text cut to at most `cells` terminal columns (a wide character takes two), with an ellipsis when cut.
    private static string FitCells(string text, int cells, RenderOptions options)
    {
        int Cells(string s) => ((IRenderable)new Text(s)).Measure(options, int.MaxValue).Max;
        if (Cells(text) <= cells)
        {
            return text;
        }

        var fitted = new System.Text.StringBuilder();
        var used = 1; // the ellipsis
        foreach (var rune in text.EnumerateRunes())
        {
            var runeCells = Cells(rune.ToString());
            if (used + runeCells > cells)
            {
                break;
            }

            fitted.Append(rune.ToString());
            used += runeCells;
        }

        return fitted.ToString().TrimEnd() + "…";
    }

    private async Task OpenListedAsync(string? argument, CancellationToken cancellationToken)
    {
        if (argument is null)
        {
            terminal.Ui.MarkupLine("[yellow]Say which: /open N (a number of /history) or /open ID.[/]");
            return;
        }

        if (await ListedIdAsync(argument, cancellationToken).ConfigureAwait(false) is { } id)
        {
            await OpenAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    // The conversation an argument names: N of /history (listed now when it was not yet), or else an id. Null, and
    // says why, for a number /history does not show.
    private async Task<string?> ListedIdAsync(string argument, CancellationToken cancellationToken)
    {
        if (!int.TryParse(argument, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return argument;
        }

        if (listed.Count == 0)
        {
            listed = (await conversations!.Store.ListAsync(null, HistoryPageSize, null, cancellationToken).ConfigureAwait(false)).Conversations;
        }

        if (n < 1 || n > listed.Count)
        {
            terminal.Ui.MarkupLineInterpolated($"[yellow]There is no conversation {argument}: /history lists {listed.Count}.[/]");
            return null;
        }

        return listed[n - 1].Id;
    }

    private void WriteNotFound(string id) =>
        terminal.Ui.MarkupLineInterpolated($"[yellow]No conversation has the id {TerminalTextGuard.OneLine(id)}. /history lists them.[/]");

    private async Task RenameAsync(string? title, CancellationToken cancellationToken)
    {
        if (conversation.Id is not { } id)
        {
            terminal.Ui.MarkupLine("[yellow]There is no conversation to rename yet: ask a question first, or /open one.[/]");
            return;
        }

        // The service's rule for titles (empty, too long, control characters), worded for this command.
        if (await conversations!.RenameAsync(id, title, RenameUsage, cancellationToken).ConfigureAwait(false) is { } error)
        {
            terminal.Ui.MarkupLineInterpolated($"[red]{error}[/]");
            return;
        }

        // The title as stored (white space collapsed), not as typed.
        var renamed = await conversations.Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        terminal.Ui.MarkupLineInterpolated($"[green]Renamed to \"{TerminalTextGuard.OneLine(renamed?.Title ?? title)}\".[/]");
    }

    private async Task DeleteAsync(string? argument, CancellationToken cancellationToken)
    {
        var id = argument is null ? conversation.Id : await ListedIdAsync(argument, cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            if (argument is null)
            {
                terminal.Ui.MarkupLine("[yellow]There is no conversation to delete yet: /delete N deletes conversation N of /history (or /delete ID).[/]");
            }

            return;
        }

        if (await conversations!.Store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            WriteNotFound(id);
            return;
        }

        // Asked on the chat's own input, so a piped script answers it as it answers the prompt; only "y" deletes.
        var current = stored.Id == conversation.Id;
        var title = TerminalTextGuard.OneLine(stored.Title);
        terminal.Ui.MarkupLineInterpolated($"Delete {(current ? "the current conversation" : "conversation")} \"{title}\" ({stored.Turns.Count} turn{(stored.Turns.Count == 1 ? string.Empty : "s")})? It cannot be undone.");
        var answer = reader.ReadLine("[y/N] ");
        if (answer.Kind != LineInputKind.Line || answer.Text.Trim().ToLowerInvariant() is not ("y" or "yes"))
        {
            terminal.Ui.MarkupLine("[grey]Not deleted.[/]");
            return;
        }

        if (!await conversations.Store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
        {
            WriteNotFound(id);
            return;
        }

        if (!current)
        {
            terminal.Ui.MarkupLineInterpolated($"[green]Deleted \"{title}\".[/]");
            return;
        }

        conversation.Reset();
        renderer.Forget(); // its sources went with it
        terminal.Ui.MarkupLineInterpolated($"[green]Deleted \"{title}\".[/] [grey]The next question starts a new conversation.[/]");
    }

    // "~" and "~/x.md" are the home folder, as the shell the user is used to would read them (the chat gets the
    // argument unexpanded); "~user" and a "~" elsewhere are names like any other.
    private string ExpandHome(string file) =>
        file == "~" ? HomeFolder
        : file.Length > 1 && file[0] == '~' && (file[1] == Path.DirectorySeparatorChar || file[1] == Path.AltDirectorySeparatorChar) ? Path.Join(HomeFolder, file[2..])
        : file;

    private async Task ExportAsync(string? file, CancellationToken cancellationToken)
    {
        if (conversation.Id is not { } id)
        {
            terminal.Ui.MarkupLine("[yellow]There is no conversation to export yet: ask a question first, or /open one.[/]");
            return;
        }

        // The service's export (GET /api/conversations/{id}/export): the same document under the same file name.
        if (await conversations!.ExportAsync(id, cancellationToken).ConfigureAwait(false) is not { } export)
        {
            WriteNotFound(id);
            return;
        }

        string path;
        try
        {
            path = Path.GetFullPath(file is null ? export.FileName : ExpandHome(file), WorkingFolder);
        }
        catch (ArgumentException)
        {
            terminal.Ui.MarkupLineInterpolated($"[red]{TerminalTextGuard.OneLine(file)} is not a file name.[/]");
            return;
        }

        if (Directory.Exists(path))
        {
            path = Path.Combine(path, export.FileName);
        }

        FileStream stream;
        try
        {
            // CreateNew: a file that is there is never overwritten, even one created since the user looked.
            stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            terminal.Ui.MarkupLineInterpolated($"[yellow]{TerminalTextGuard.OneLine(path)} already exists: not overwritten. Name another file: /export FILE.[/]");
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            terminal.Ui.MarkupLineInterpolated($"[red]Could not write {TerminalTextGuard.OneLine(path)}: {TerminalTextGuard.OneLine(ex.Message)}[/]");
            return;
        }

        try
        {
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(export.Markdown), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            // No half document left behind under the name (a full disk).
            File.Delete(path);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            terminal.Ui.MarkupLineInterpolated($"[red]Could not write {TerminalTextGuard.OneLine(path)}: {TerminalTextGuard.OneLine(ex.Message)}[/]");
            return;
        }

        terminal.Ui.MarkupLineInterpolated($"[green]Exported to {TerminalTextGuard.OneLine(path)}[/]");
    }

    private async Task<bool> OpenAsync(string id, CancellationToken cancellationToken)
    {
        if (await conversations!.OpenConversationAsync(id, cancellationToken).ConfigureAwait(false) is not var (opened, stored))
        {
            WriteNotFound(id);
            return false;
        }

        conversation = opened;
        if (stored.Turns.Count > 0)
        {
            renderer.Resume(stored.Turns[^1].AnswerJson); // /sources and /evidence show its last answer
        }
        else
        {
            renderer.Forget();
        }
        terminal.Ui.MarkupLineInterpolated($"[green]Continuing \"{TerminalTextGuard.OneLine(stored.Title)}\"[/] [grey]({stored.Turns.Count} turn{(stored.Turns.Count == 1 ? string.Empty : "s")}, id {stored.Id})[/]");
        if (stored.Turns.Count > 0 && stored.Turns[^1] is var last)
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]Last question:[/] {TerminalTextGuard.OneLine(last.Question)}");
            if (!string.IsNullOrEmpty(last.AnswerText))
            {
                terminal.Ui.MarkupLineInterpolated($"[grey]Answer:[/] {last.AnswerText}");
            }
        }

        return true;
    }
}

/// <summary>What a Ctrl+C that came as a signal did (<see cref="ChatSession.Interrupt"/>).</summary>
internal enum ChatInterrupt
{
    /// <summary>It cancelled the answer in progress.</summary>
    AnswerCancelled,

    /// <summary>The first at the prompt: the user is told that another leaves.</summary>
    Warned,

    /// <summary>The second at the prompt (by key or signal): the chat ends.</summary>
    Leave,
}
