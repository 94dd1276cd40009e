using System.CommandLine;
using Microsoft.Extensions.Hosting;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>What every command needs: where to write, how to build the host, the shared options, the settings given on the command line.</summary>
/// <param name="Terminal">Where to write.</param>
/// <param name="Hosts">Builds a command's host.</param>
/// <param name="Globals">The options every command takes.</param>
/// <param name="Settings">The <c>--Section:Key=value</c> settings of the command line (<see cref="CommandLineSettings"/>).</param>
internal sealed record CliContext(Terminal Terminal, AssistantHostFactory Hosts, GlobalOptions Globals, IReadOnlyList<string> Settings)
{
    /// <summary>The host for a command, with the overrides, settings and verbosity given on its command line.</summary>
    public IHost BuildHost(ParseResult parseResult) =>
        BuildHost(Globals.ToOverrides(parseResult), parseResult.GetValue(Globals.Verbose));

    /// <summary>The host for a command, with <paramref name="overrides"/> and the settings given on the command line.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public IHost BuildHost(CommandLineOverrides overrides, bool verbose) => Hosts.Build(overrides, Settings, verbose);
}
