using System.CommandLine;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
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

        var command = new Command("ask", "Answer one question and exit.") { question, json, topK, evidence };
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
            if (host.Assistant.CheckTopK(sources, "--top-k") is { } badTopK)
            {
                // The shared check, named as the user typed it.
                terminal.WriteError(badTopK);
                return ExitCodes.BadUsage;
            }

            var validation = host.Assistant.Validate(text, topK: sources);
            if (validation.Request is not { } request)
            {
                terminal.WriteError(validation.Error!);
                return ExitCodes.BadUsage;
            }

            // JSON output keeps stdout for the document: no progress bar, notices on stderr.
            var (runtime, index) = await host.StartAssistantAsync(asJson ? terminal with { IsInteractive = false } : terminal, cancellationToken).ConfigureAwait(false);
            StartupView.WriteWarnings(terminal, index, toStandardError: asJson);
            RuntimeView.WriteNotices(terminal, runtime, toStandardError: asJson);
            if (asJson)
            {
                await terminal.Out.WriteLineAsync(AnswerJson.Serialize(await host.Assistant.AskAsync(request, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var renderer = new AnswerRenderer(terminal);
            var completed = await renderer.RenderAsync(host.Assistant.AskStreamingAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (completed is not null && parseResult.GetValue(evidence))
            {
                renderer.WriteEvidence(completed);
            }

            return completed is null ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
