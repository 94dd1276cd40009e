using System.CommandLine;
using Microsoft.Extensions.Options;
using RagAssistant.Console.Commands;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Console.Cli;

/// <summary>
/// The command line: the interactive chat by default, and <c>ask</c>, <c>index</c>, <c>eval</c>, <c>models</c> for
/// scripts. Maps every outcome to an exit code; no exception escapes to the runtime.
/// </summary>
internal sealed class CliApplication
{
    private readonly CliContext context;

    /// <summary>The command line over <paramref name="terminal"/>, with hosts from <paramref name="hosts"/>.</summary>
    public CliApplication(Terminal terminal, AssistantHostFactory hosts)
    {
        context = new CliContext(terminal, hosts, new GlobalOptions());
        RootCommand = CreateRootCommand(context);
    }

    /// <summary>The root command: the chat, with the script commands under it.</summary>
    public RootCommand RootCommand { get; }

    /// <summary>Parses <paramref name="args"/> and runs the command; returns its exit code (<see cref="ExitCodes"/>).</summary>
    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parseResult = RootCommand.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                context.Terminal.WriteError(error.Message);
            }

            await context.Terminal.Error.WriteLineAsync($"Run `{ConsoleCommand.For("--help")}` for usage.").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = context.Terminal.Out,
            Error = context.Terminal.Error,
            EnableDefaultExceptionHandler = false,

            // Ctrl+C is handled by the commands (it cancels an answer, not the process).
            ProcessTerminationTimeout = null,
        };

        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await context.Terminal.Error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                context.Terminal.WriteError($"invalid configuration: {failure}");
            }

            await context.Terminal.Error.WriteLineAsync("Fix appsettings.json or the command-line options and try again.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (ArgumentException ex)
        {
            // The pipeline rejects input it cannot take (a question over the length limit) with an actionable message.
            context.Terminal.WriteError(ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal));
            return ExitCodes.BadUsage;
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException or ModelDownloadException or InvalidOperationException)
        {
            context.Terminal.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            context.Terminal.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
    }

    private static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand(
            "RagAssistant: ask questions about research-paper abstracts; answers stream with citations. " +
            "With no command, opens the interactive chat. " + ExitCodes.HelpText);
        foreach (var option in context.Globals.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(AskCommand.Create(context));
        root.Subcommands.Add(IndexCommand.Create(context));
        root.Subcommands.Add(EvalCommand.Create(context));
        root.Subcommands.Add(ModelsCommand.Create(context));
        root.SetAction((parseResult, cancellationToken) =>
            ChatCommand.RunAsync(context, context.Globals.ToOverrides(parseResult), parseResult.GetValue(context.Globals.Verbose), cancellationToken));
        return root;
    }
}
