using Microsoft.Extensions.AI;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Application;
using Spectre.Console;

namespace RagAssistant.Console.Chat;

/// <summary>
/// The interactive conversation: reads questions and slash commands, streams each answer with its sources, keeps
/// the history for follow-up questions. Ctrl+C cancels the answer in progress; a second Ctrl+C at an empty prompt exits.
/// Nothing the user types ends the session except /exit, Ctrl+D or the second Ctrl+C.
/// </summary>
/// <remarks>
/// While the passage vectors are computed in the background, progress shows as a live bar on the terminal's bottom
/// row (<see cref="EmbeddingStatusBar"/>), or, when output is piped, as a line above each prompt; answers say they
/// came from BM25. Once the vectors are ready a line says so, and the next question is answered with hybrid search.
/// </remarks>
internal sealed class ChatSession(AssistantService assistant, AssistantRuntimeInfo runtime, Terminal terminal, ILineReader reader, ICorpusIndex? index = null)
{
    private const string Prompt = "> ";
    private readonly AnswerRenderer renderer = new(terminal);
    private readonly List<ChatMessage> history = [];
    private readonly Lock gate = new();
    private CancellationTokenSource? currentAnswer;

    /// <summary>Earlier turns sent with follow-up questions.</summary>
    public IReadOnlyList<ChatMessage> History => history;

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

    /// <summary>Runs until the user leaves; returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var interruptedBefore = false;
        var embeddingShown = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            embeddingShown = WriteEmbeddingProgress(embeddingShown);
            var input = reader.ReadLine(Prompt);
            switch (input.Kind)
            {
                case LineInputKind.EndOfInput:
                    return ExitCodes.Success;
                case LineInputKind.Interrupt when input.Text.Length == 0 && interruptedBefore:
                    return ExitCodes.Success;
                case LineInputKind.Interrupt:
                    terminal.Ui.MarkupLine("[grey](Ctrl+C again at an empty prompt, or /exit, to leave)[/]");
                    interruptedBefore = input.Text.Length == 0;
                    continue;
            }

            interruptedBefore = false;
            var text = input.Text.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (text.StartsWith('/'))
            {
                if (!RunCommand(text))
                {
                    return ExitCodes.Success;
                }

                continue;
            }

            interruptedBefore = await AnswerAsync(text, cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    /// <summary>Prints the embedding progress line while vectors are pending, and once "ready"; returns whether a pending line was shown.</summary>
    private bool WriteEmbeddingProgress(bool shownBefore)
    {
        switch (index?.Embedding)
        {
            case { IsPending: true } progress:
                // An interactive terminal has the live bar on its bottom row (EmbeddingStatusBar); piped output gets a line.
                if (!terminal.IsInteractive)
                {
                    terminal.Ui.MarkupLine(EmbeddingProgressView.PromptLine(progress));
                }

                return true;
            case { State: EmbeddingState.Ready } progress when shownBefore:
                terminal.Ui.MarkupLineInterpolated($"[green]Semantic index ready ({progress.Total} passages): answers now use hybrid search.[/]");
                return false;
            case { State: EmbeddingState.Failed } progress when shownBefore:
                terminal.Ui.MarkupLineInterpolated($"[yellow]Embedding the passages failed ({progress.Error}): answers keep using BM25.[/]");
                return false;
            default:
                return false;
        }
    }

    /// <summary>Prints the start-up banner: which model, backend and corpus are in use.</summary>
    public void WriteBanner(int? paperCount)
    {
        terminal.Ui.MarkupLine("[bold]RagAssistant[/]: questions answered from research-paper abstracts, with citations.");
        WriteModelInfo(paperCount);
        foreach (var notice in runtime.Notices)
        {
            terminal.Ui.MarkupLineInterpolated($"[yellow]{notice}[/]");
        }

        terminal.Ui.MarkupLine("[grey]Type a question, or /help. Ctrl+C cancels an answer.[/]");
    }

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
            // The conversation can outgrow the history limit: send its latest turns.
            var validation = assistant.Validate(question, assistant.LatestHistory(history));
            if (validation.Request is not { } request)
            {
                terminal.Ui.MarkupLineInterpolated($"[red]Could not answer: {validation.Error}[/]");
                return false;
            }

            var result = await renderer.RenderAsync(
                assistant.AskStreamingAsync(request, answerCancellation.Token), answerCancellation.Token).ConfigureAwait(false);
            if (result is not null)
            {
                history.Add(new ChatMessage(ChatRole.User, question));
                history.Add(new ChatMessage(ChatRole.Assistant, result.Answer));
            }

            return false;
        }
        catch (OperationCanceledException) when (answerCancellation.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            terminal.Out.WriteLine();
            terminal.Ui.MarkupLine("[yellow]Answer cancelled.[/]");
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed answer must not end the conversation.
            terminal.Out.WriteLine();
            terminal.Ui.MarkupLineInterpolated($"[red]Could not answer: {ex.Message}[/]");
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
    private bool RunCommand(string text)
    {
        var command = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)[0].ToLowerInvariant();
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
            case "/reset":
                history.Clear();
                terminal.Ui.MarkupLine("[grey]Conversation cleared: the next question starts fresh.[/]");
                break;
            case "/model":
                WriteModelInfo(paperCount: null);
                break;
            default:
                terminal.Ui.MarkupLineInterpolated($"[yellow]Unknown command {command}.[/] Type /help for the list.");
                break;
        }

        return true;
    }

    private void WriteHelp()
    {
        var table = new Table().NoBorder().HideHeaders().AddColumn("command").AddColumn("what it does");
        table.AddRow("/help", "this list");
        table.AddRow("/sources", "the passages offered for the last answer, with scores");
        table.AddRow("/reset", "forget the conversation (follow-ups start fresh)");
        table.AddRow("/model", "what is loaded: model file, backend, context size, threads");
        table.AddRow("/exit", "leave (also Ctrl+D, or Ctrl+C twice at an empty prompt)");
        terminal.Ui.Write(table);
        terminal.Ui.MarkupLine("[grey]Ctrl+C cancels the answer in progress. Up/Down recall earlier questions.[/]");
    }

    private void WriteModelInfo(int? paperCount)
    {
        var model = runtime.RetrievalOnly
            ? "none (retrieval-only: answers are extracted, not generated)"
            : runtime.ChatModelPath is null ? runtime.ChatModelDescription ?? "remote"
            : $"{Path.GetFileName(runtime.ChatModelPath)}{(runtime.ChatModelDescription is null ? string.Empty : $" ({runtime.ChatModelDescription})")}";
        var embedding = runtime.EmbeddingModelDescription ?? "none (BM25 search only)";
        var corpus = paperCount is { } count ? $"{runtime.CorpusFolder} ({count} papers)" : runtime.CorpusFolder;
        terminal.Ui.MarkupLineInterpolated($"  model:     {model}");
        if (runtime.ChatModelPath is not null)
        {
            terminal.Ui.MarkupLineInterpolated($"  file:      {runtime.ChatModelPath}");
        }

        if (runtime.ContextSize > 0)
        {
            terminal.Ui.MarkupLineInterpolated($"  backend:   {runtime.Backend}, context {runtime.ContextSize} tokens, {runtime.Threads} threads");
        }
        else
        {
            terminal.Ui.MarkupLineInterpolated($"  backend:   {runtime.Backend} (no chat model loaded)");
        }

        terminal.Ui.MarkupLineInterpolated($"  embedding: {embedding}");
        terminal.Ui.MarkupLineInterpolated($"  corpus:    {corpus}");
    }
}
