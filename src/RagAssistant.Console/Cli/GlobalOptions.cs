using System.CommandLine;
using RagAssistant.Core.Ingestion;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>The options every command takes: the shared ones of both front ends, which override appsettings.json, and --verbose.</summary>
internal sealed class GlobalOptions
{
    private readonly AssistantCommandLineOptions shared = new(new ConsoleDownloadHint());

    /// <summary>Adds the console's check of <c>--corpus</c> to the shared options.</summary>
    public GlobalOptions()
    {
        // A mistyped --corpus is a wrong path on the command line, as a missing --model file is: bad usage (exit 2),
        // said before anything starts. Corpus:Folder from appsettings.json or the environment stays an invalid
        // setting (exit 1), checked with the others at start-up.
        shared.Corpus.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var value }] && !value.StartsWith("--", StringComparison.Ordinal) && Path.GetFullPath(value) is var folder && CorpusOptions.FolderProblem(folder) is { } what)
            {
                result.AddError($"The corpus folder {folder} (from --corpus) {what}. Check the path, or leave out --corpus to use Corpus:Folder from appsettings.json.");
            }
        });
    }

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
