using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>What every command needs: where to write, how to build the host, the shared options.</summary>
internal sealed record CliContext(Terminal Terminal, AssistantHostFactory Hosts, GlobalOptions Globals)
{
    /// <summary>The host for a command, with the overrides and verbosity given on its command line.</summary>
    public IHost BuildHost(ParseResult parseResult) =>
        Hosts.Build(Globals.ToOverrides(parseResult), parseResult.GetValue(Globals.Verbose));
}
