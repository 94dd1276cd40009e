using System.CommandLine;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Console.Commands;

/// <summary><c>ask "question" [--json]</c>: one answer for scripts; streamed to a terminal, or the structured result as JSON.</summary>
internal static class AskCommand
{
    /// <summary>The <c>ask</c> command: parses the question and options, renders the answer or its JSON.</summary>
    public static Command Create(CliContext context)
    {
        var question = new Argument<string>("question") { Description = "The question to answer from the corpus; - reads it from stdin (for long questions)." };
        question.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError($"The question is empty: give it in quotes, e.g. {ConsoleCommand.For("ask \"Which papers study speculative decoding?\"")}");
            }
        });
        var json = new Option<bool>("--json") { Description = "Print the structured result (answer, citations, sources, usage, timings) as JSON." };
        var topK = new Option<int?>("--top-k") { Description = "How many sources to retrieve, 1 to Ask:MaxTopK (default Retrieval:TopK)." };
        var evidence = new Option<bool>("--evidence") { Description = "After the answer, print each claim with the quoted sentence of each source (cited and suggested)." };

        var conversation = new Option<string?>("--conversation") { Description = "Add the answer as the next turn of this stored conversation, with its earlier turns as history.", HelpName = "id" };

        var command = new Command("ask", "Answer one question and exit.") { question, json, topK, evidence, conversation };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = context.Terminal;
            var asJson = parseResult.GetValue(json);
            var text = parseResult.GetValue(question)!.Trim();
            if (text == "-")
            {
                text = await terminal.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var host = await CommandHost.StartAsync(context, parseResult, cancellationToken).ConfigureAwait(false);
            var sources = parseResult.GetValue(topK);
            var conversationId = parseResult.GetValue(conversation);
            ConversationAsk? turn = null;
            ConversationService? conversations = null;
            if (conversationId is not null)
            {
                conversations = host.Services.GetRequiredService<ConversationService>();
                try
                {
                    var prepared = await conversations.PrepareAsync(conversationId, text, null, sources, AskFieldNames.CommandLine, cancellationToken).ConfigureAwait(false);
                    if (prepared.Ask is null)
                    {
                        terminal.WriteError(prepared.Error!);
                        return ExitCodes.BadUsage;
                    }

                    turn = prepared.Ask;
                }
                catch (ConversationStoreException ex) when (ex.Error == ConversationStoreError.NotFound)
                {
                    // The console lists conversations in the chat (/history), not over HTTP.
                    terminal.WriteError($"{ex.Message} The chat lists them: run `{ConsoleCommand.Run}` and type /history.");
                    return ExitCodes.BadUsage;
                }
                catch (ConversationStoreException ex)
                {
                    terminal.WriteError(ex.Message);
                    return ExitCodes.Failure;
                }
            }

            var validation = turn is null ? host.Assistant.Validate(text, topK: sources, fields: AskFieldNames.CommandLine) : AskValidation.Valid(turn.Request);
            if (validation.Request is not { } request)
            {
                terminal.WriteError(validation.Error!);
                return ExitCodes.BadUsage;
            }

            // stdout holds the answer alone (a script may redirect it to a file): warnings and notices go to stderr;
            // JSON output also has no progress bar.
            var (runtime, index) = await host.StartAssistantAsync(asJson ? terminal with { IsInteractive = false } : terminal, cancellationToken).ConfigureAwait(false);
            StartupView.WriteWarnings(terminal, index, toStandardError: true);
            if (host.Services.GetService<ICorpusIndex>()?.Embedding.CacheWarning is { } cacheWarning && index?.Warnings.Contains(cacheWarning) != true)
            {
                // Known when the build starts (an unwritable cache folder): said before the answer, not only at exit.
                terminal.Error.WriteLine($"warning: {TerminalTextGuard.OneLine(cacheWarning)}");
            }

            var exitNote = new UnfinishedIndexNote(terminal, host.Services.GetService<ICorpusIndex>());

            // Ctrl+C while answering stops the answer as in the chat: said on stderr, exit code 130, and a
            // --conversation turn is stored as cancelled; a second Ctrl+C ends the process at once (with the note on
            // an unfinished index, as a Ctrl+C before the answer does).
            using var answerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var interrupts = 0;
            void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
            {
                if (Interlocked.Increment(ref interrupts) == 1)
                {
                    e.Cancel = true;
                    answerCancellation.Cancel();
                }
                else
                {
                    exitNote.WriteOnce();
                }
            }

            System.Console.CancelKeyPress += OnCancelKeyPress;
            RuntimeView.WriteNotices(terminal, runtime, toStandardError: true);
            try
            {
                if (asJson)
                {
                    try
                    {
                        // With --conversation the object names it, as /api/ask's does.
                        await terminal.Out.WriteLineAsync(turn is null
                            ? AnswerJson.Serialize(await host.Assistant.AskAsync(request, answerCancellation.Token).ConfigureAwait(false))
                            : ConversationService.ToAnswerJson(await conversations!.AskAsync(turn, answerCancellation.Token).ConfigureAwait(false), turn.ConversationId, indented: true)).ConfigureAwait(false);
                        return ExitCodes.Success;
                    }
                    catch (ModelServerException ex) when (ex.PartialAnswer is { } partial)
                    {
                        // A cut-off answer's text reaches the script, as a stream leaves it on screen; the error line and exit code 1 follow as for any server failure.
                        await terminal.Out.WriteLineAsync(AnswerJson.SerializePartialAnswer(ex.Message, partial)).ConfigureAwait(false);
                        throw;
                    }
                }

                var updates = turn is null ? host.Assistant.AskStreamingAsync(request, answerCancellation.Token) : conversations!.AskStreamingAsync(turn, answerCancellation.Token);
                var renderer = new AnswerRenderer(terminal, noticesToStandardError: true);
                var completed = await renderer.RenderAsync(updates, answerCancellation.Token).ConfigureAwait(false);
                if (completed is not null && parseResult.GetValue(evidence))
                {
                    renderer.WriteEvidence(completed);
                }

                return completed is null ? ExitCodes.Failure : ExitCodes.Success;
            }
            catch (OperationCanceledException) when (interrupts > 0)
            {
                if (!asJson)
                {
                    await terminal.Out.WriteLineAsync().ConfigureAwait(false); // the partial answer's line ends
                }

                await terminal.Error.WriteLineAsync("Answer cancelled.").ConfigureAwait(false);
                return ExitCodes.Cancelled;
            }
            catch (ConversationStoreException ex)
            {
                terminal.WriteError(ex.Message);
                return ExitCodes.Failure;
            }
            finally
            {
                System.Console.CancelKeyPress -= OnCancelKeyPress;
                exitNote.WriteOnce();
            }
        });
        return command;
    }
}
