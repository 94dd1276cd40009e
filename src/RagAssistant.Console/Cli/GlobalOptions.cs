using System.CommandLine;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>The options every command takes: the shared ones of both front ends, which override appsettings.json, and --verbose.</summary>
internal sealed class GlobalOptions
{
    private readonly AssistantCommandLineOptions shared = new(new ConsoleDownloadHint());

    /// <summary><c>--model FILE</c>: the chat model.</summary>
    public Option<FileInfo?> Model => shared.Model;

    /// <summary><c>--embedding-model FILE</c>: a GGUF embedding model.</summary>
    public Option<FileInfo?> EmbeddingModel => shared.EmbeddingModel;

    /// <summary><c>--verbose</c>: informational logs on stderr.</summary>
    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Show informational logs (model loading, index builds) on stderr.",
        Recursive = true,
    };

    /// <summary>Every global option, to add to the root command.</summary>
    public IEnumerable<Option> All => [.. shared.All, Verbose];

    /// <summary>What the user gave on the command line, as configuration overrides.</summary>
    public CommandLineOverrides ToOverrides(ParseResult parseResult) => shared.ToOverrides(parseResult);
}
