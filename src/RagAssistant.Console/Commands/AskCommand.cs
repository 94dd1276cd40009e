using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;
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
        var topK = new Option<int?>("--top-k") { Description = "How many sources to retrieve (default from appsettings.json)." };
        topK.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0 or > 100)
            {
                result.AddError("--top-k must be between 1 and 100.");
            }
        });

        var command = new Command("ask", "Answer one question and exit.") { question, json, topK };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var host = context.BuildHost(parseResult);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var terminal = context.Terminal;
                var asJson = parseResult.GetValue(json);
                await AssistantStartup.EnsureIndexAsync(host.Services, asJson ? terminal with { IsInteractive = false } : terminal, force: false, cancellationToken).ConfigureAwait(false);
                var pipeline = host.Services.GetRequiredService<IAnswerPipeline>();
                var runtime = host.Services.GetRequiredService<AssistantRuntimeInfo>();
                var text = parseResult.GetValue(question)!.Trim();
                if (text == "-")
                {
                    text = (await terminal.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
                    if (text.Length == 0)
                    {
                        terminal.WriteError("The question read from stdin is empty.");
                        return ExitCodes.BadUsage;
                    }
                }

                var request = new AnswerRequest(text, TopK: parseResult.GetValue(topK));

                if (asJson)
                {
                    foreach (var notice in runtime.Notices)
                    {
                        await terminal.Error.WriteLineAsync($"note: {notice}").ConfigureAwait(false);
                    }

                    var result = await pipeline.AnswerAsync(request, cancellationToken).ConfigureAwait(false);
                    await terminal.Out.WriteLineAsync(AnswerJson.Serialize(result)).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                foreach (var notice in runtime.Notices)
                {
                    terminal.Ui.MarkupLineInterpolated($"[yellow]{notice}[/]");
                }

                var renderer = new AnswerRenderer(terminal);
                var completed = await renderer.RenderAsync(pipeline.AnswerStreamingAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
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
