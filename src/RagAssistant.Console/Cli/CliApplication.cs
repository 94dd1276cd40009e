using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RagAssistant.Console.Commands;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Console.Cli;

/// <summary>
/// The command line: the interactive chat by default, and <c>ask</c>, <c>index</c>, <c>eval</c>, <c>models</c> for
/// scripts. Maps every outcome to an exit code; no exception escapes to the runtime.
/// </summary>
internal sealed partial class CliApplication(Terminal terminal, AssistantHostFactory hosts)
{
    /// <summary>
    /// Parses <paramref name="args"/> and runs the command; returns its exit code (<see cref="ExitCodes"/>). The
    /// <c>--Section:Key=value</c> settings among them go to the configuration (<see cref="CommandLineSettings"/>).
    /// </summary>
    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var commandLine = CommandLineSettings.Split(args);
        var context = new CliContext(terminal, hosts, new GlobalOptions(), commandLine.Settings);
        var root = CreateRootCommand(context);
        var parseResult = root.Parse([.. commandLine.Arguments]);
        if (UsageErrors.AsHelpRequest(parseResult, commandLine.Arguments) is { } help)
        {
            parseResult = root.Parse(help);
        }

        var (errors, hint) = UsageErrors.Describe(parseResult);
        int exitCode;
        try
        {
            exitCode = commandLine.Error is null && errors.Count == 0
                ? await InvokeAsync(parseResult, root.Name, context, cancellationToken).ConfigureAwait(false)
                : WriteErrors(commandLine.Error is null ? errors : [commandLine.Error]);
        }
        catch (UnknownSettingException ex)
        {
            // Named in appsettings.json or the environment: the message says which to fix; no option would.
            terminal.WriteError(ex.Message);
            return ExitCodes.BadUsage;
        }

        if (exitCode == ExitCodes.BadUsage)
        {
            // Every usage error ends with this one line, whoever found it: the parser, a command's check of a value
            // (--top-k 0), or a path named on the command line that does not exist (--model, --corpus).
            await terminal.Error.WriteLineAsync(hint).ConfigureAwait(false);
        }

        return exitCode;
    }

    private int WriteErrors(IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            terminal.WriteError(error);
        }

        return ExitCodes.BadUsage;
    }

    private async Task<int> InvokeAsync(ParseResult parseResult, string programName, CliContext context, CancellationToken cancellationToken)
    {
        var configuration = new InvocationConfiguration
        {
            Output = terminal.Out,
            Error = terminal.Error,
            EnableDefaultExceptionHandler = false,

            // Ctrl+C is handled by the commands (it cancels an answer, not the process).
            ProcessTerminationTimeout = null,
        };

        if (parseResult.Action is HelpAction)
        {
            return await WriteHelpAsync(parseResult, programName, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await terminal.Error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (OptionsValidationException ex)
        {
            return await InvalidConfigurationAsync([.. ex.Failures]).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (ValueExpectation.DescribeSettingConversion(ex) is { } failure)
        {
            return await InvalidConfigurationAsync([failure]).ConfigureAwait(false);
        }
        catch (ModelServerException ex)
        {
            // The model server's fault, in the one line that says which server and what to fix; its trace on --verbose.
            WriteFailure(terminal, ex, parseResult.GetValue(context.Globals.Verbose));
            return ExitCodes.Failure;
        }
        catch (ArgumentException ex)
        {
            // The pipeline rejects input it cannot take (a question over the length limit) with an actionable message.
            terminal.WriteError(ex.MessageWithoutParameter());
            return ExitCodes.BadUsage;
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException or ModelDownloadException or InvalidOperationException)
        {
            // A malformed appsettings.json: the file and where it breaks, worded as the service words it.
            terminal.WriteError(ConfigurationFileFailure.Describe(ex) ?? ex.Message);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is not UnknownSettingException)
        {
            terminal.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
    }

    /// <summary>A failure's one line on stderr, and with <c>--verbose</c> its stack trace after it.</summary>
    private static void WriteFailure(Terminal terminal, Exception exception, bool verbose)
    {
        terminal.WriteError(exception.Message);
        if (verbose)
        {
            terminal.Error.WriteLine(exception.ToString());
        }
    }

    // System.CommandLine's help, its usage lines naming the program as it was started (ConsoleCommand.Run), not by
    // its file name alone, and no line ending in the spaces its columns are padded with.
    private async Task<int> WriteHelpAsync(ParseResult parseResult, string programName, CancellationToken cancellationToken)
    {
        using var help = new StringWriter();
        var exitCode = await parseResult.InvokeAsync(new InvocationConfiguration { Output = help, Error = terminal.Error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        await terminal.Out.WriteAsync(HelpText.Reword(help.ToString(), programName, ConsoleCommand.Run)).ConfigureAwait(false);
        return exitCode;
    }

    private async Task<int> InvalidConfigurationAsync(IReadOnlyCollection<string> failures)
    {
        // A failure that names the command-line option it comes from ("(from --model)") is bad usage, fixed on the
        // command line: its message says how, once; exit 2 as for any other bad option.
        if (failures.All(f => FromOption().IsMatch(f)))
        {
            foreach (var failure in failures)
            {
                terminal.WriteError(failure);
            }

            return ExitCodes.BadUsage;
        }

        foreach (var failure in failures)
        {
            terminal.WriteError("invalid configuration", failure);
        }

        await terminal.Error.WriteLineAsync("Fix appsettings.json, the environment or the command-line settings and try again.").ConfigureAwait(false);
        return ExitCodes.Failure;
    }

    [GeneratedRegex(@"\(from (?<option>--[a-z-]+)\)")]
    private static partial Regex FromOption();

    private static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand(
            "RagAssistant: ask questions about research-paper abstracts; answers stream with citations. " +
            "With no command, opens the interactive chat. Any appsettings.json value can be set for one run as " +
            "--Section:Key=value (e.g. --Retrieval:TopK=3). " + ExitCodes.HelpText);
        foreach (var option in context.Globals.All)
        {
            root.Options.Add(option);
        }

        var continueLast = new Option<bool>("--continue") { Description = "Continue the most recent stored conversation." };
        var conversation = new Option<string?>("--conversation") { Description = "Continue the stored conversation with this id (the chat's /history lists them).", HelpName = "id" };
        root.Options.Add(continueLast);
        root.Options.Add(conversation);
        root.Subcommands.Add(AskCommand.Create(context));
        root.Subcommands.Add(IndexCommand.Create(context));
        root.Subcommands.Add(EvalCommand.Create(context));
        root.Subcommands.Add(ModelsCommand.Create(context));
        root.SetAction((parseResult, cancellationToken) =>
            ChatCommand.RunAsync(
                context,
                context.Globals.ToOverrides(parseResult),
                parseResult.GetValue(context.Globals.Verbose),
                new ChatResume(parseResult.GetValue(continueLast), parseResult.GetValue(conversation)),
                cancellationToken));
        return root;
    }
}
