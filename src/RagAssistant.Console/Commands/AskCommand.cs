using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Models;
using Spectre.Console;

namespace RagAssistant.Console.Commands;

/// <summary><c>ask "question" [--json]</c>: one answer for scripts; streamed to a terminal, or the structured result as JSON.</summary>
internal static class AskCommand
{
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

        var command = new Command("ask", "Answer one question and exit.") { question, json, topK };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var host = context.BuildHost(parseResult);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var terminal = context.Terminal;
                var asJson = parseResult.GetValue(json);
                var text = parseResult.GetValue(question)!.Trim();
                if (text == "-")
                {
                    text = await terminal.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                }

                var assistant = host.Services.GetRequiredService<AssistantService>();
                var validation = assistant.Validate(text, topK: parseResult.GetValue(topK));
                if (validation.Request is not { } request)
                {
                    terminal.WriteError(validation.Error!);
                    return ExitCodes.BadUsage;
                }

                var notices = (await StartupView.LoadModelsAsync(host.Services, cancellationToken).ConfigureAwait(false)).Notices;
                await StartupView.BuildIndexAsync(host.Services, asJson ? terminal with { IsInteractive = false } : terminal, cancellationToken).ConfigureAwait(false);
                if (asJson)
                {
                    foreach (var notice in notices)
                    {
                        await terminal.Error.WriteLineAsync($"note: {notice}").ConfigureAwait(false);
                    }

                    await terminal.Out.WriteLineAsync(AnswerJson.Serialize(await assistant.AskAsync(request, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                foreach (var notice in notices)
                {
                    terminal.Ui.MarkupLineInterpolated($"[yellow]{notice}[/]");
                }

                var completed = await new AnswerRenderer(terminal).RenderAsync(assistant.AskStreamingAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
                return completed is null ? ExitCodes.Failure : ExitCodes.Success;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        });
        return command;
    }
}
