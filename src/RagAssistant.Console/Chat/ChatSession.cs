using Microsoft.Extensions.AI;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Application;
using Spectre.Console;

namespace RagAssistant.Console.Chat;

/// <summary>
/// The interactive conversation's front end: reads questions and slash commands and renders each answer with its
/// sources; the turns for follow-up questions are the <see cref="AssistantConversation"/>'s. Ctrl+C cancels the answer
/// in progress; a second Ctrl+C at an empty prompt exits. Nothing the user types ends the session except /exit,
/// Ctrl+D or the second Ctrl+C.
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
    private readonly AssistantConversation conversation = assistant.StartConversation();
    private readonly Lock gate = new();
    private CancellationTokenSource? currentAnswer;

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

    /// <summary>Runs until the user leaves; returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var interruptedBefore = false;
        var embeddingShown = false;
        var cacheWarningShown = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            embeddingShown = EmbeddingProgressView.WriteAbovePrompt(terminal, index?.Embedding, embeddingShown);
            cacheWarningShown = EmbeddingProgressView.WriteCacheWarning(terminal, index?.Embedding, cacheWarningShown);
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
                terminal.Ui.MarkupLineInterpolated($"[red]Could not answer: {validation.Error}[/]");
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
            case "/evidence":
                renderer.WriteEvidence(renderer.LastResult);
                break;
            case "/reset":
                conversation.Reset();
                terminal.Ui.MarkupLine("[grey]Conversation cleared: the next question starts fresh.[/]");
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
        var table = new Table().NoBorder().HideHeaders().AddColumn("command").AddColumn("what it does");
        table.AddRow("/help", "this list");
        table.AddRow("/sources", "the passages offered for the last answer, with scores");
        table.AddRow("/evidence", "each claim of the last answer with the sentence of each source that supports it, or not");
        table.AddRow("/reset", "forget the conversation (follow-ups start fresh)");
        table.AddRow("/model", "what is loaded: model file, backend, context size, threads");
        table.AddRow("/exit", "leave (also Ctrl+D, or Ctrl+C twice at an empty prompt)");
        terminal.Ui.Write(table);
        terminal.Ui.MarkupLine("[grey]Ctrl+C cancels the answer in progress. Up/Down recall earlier questions.[/]");
    }
}
