using System.CommandLine;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>The options every command takes: the shared ones of both front ends, which override appsettings.json, and --verbose.</summary>
internal sealed class GlobalOptions
{
    private readonly AssistantCommandLineOptions shared = new();

    public Option<FileInfo?> Model => shared.Model;

    public Option<FileInfo?> EmbeddingModel => shared.EmbeddingModel;

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Show informational logs (model loading, index builds) on stderr.",
        Recursive = true,
    };

    public IEnumerable<Option> All => [.. shared.All, Verbose];

    /// <summary>What the user gave on the command line, as configuration overrides.</summary>
    public CommandLineOverrides ToOverrides(ParseResult parseResult) => shared.ToOverrides(parseResult);
}
