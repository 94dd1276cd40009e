namespace RagAssistant.Console.Cli;

/// <summary>What every command needs: where to write, how to build the host, the shared options.</summary>
internal sealed record CliContext(Terminal Terminal, AssistantHostFactory Hosts, GlobalOptions Globals);
