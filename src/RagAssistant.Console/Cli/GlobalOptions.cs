using System.CommandLine;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>The options every command takes; they override appsettings.json.</summary>
internal sealed class GlobalOptions
{
    public Option<FileInfo?> Model { get; } = new("--model")
    {
        Description = "Chat model GGUF file (overrides ChatModel:ModelPath).",
        Recursive = true,
        HelpName = "FILE",
    };

    public Option<FileInfo?> EmbeddingModel { get; } = new("--embedding-model")
    {
        Description = "Embedding model GGUF file (overrides EmbeddingModel:ModelPath).",
        Recursive = true,
        HelpName = "FILE",
    };

    public Option<DirectoryInfo?> Corpus { get; } = new("--corpus")
    {
        Description = "Corpus folder of papers and documents (overrides Corpus:Folder).",
        Recursive = true,
        HelpName = "DIR",
    };

    public Option<bool> RetrievalOnly { get; } = new("--retrieval-only")
    {
        Description = "Answer with extracted, cited sentences; do not load a chat model.",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Show informational logs (model loading, index builds) on stderr.",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Model, EmbeddingModel, Corpus, RetrievalOnly, Verbose];

    /// <summary>What the user gave on the command line, as configuration overrides.</summary>
    public CommandLineOverrides ToOverrides(ParseResult parseResult) => new(
        parseResult.GetValue(Model)?.FullName,
        parseResult.GetValue(EmbeddingModel)?.FullName,
        parseResult.GetValue(Corpus)?.FullName,
        parseResult.GetValue(RetrievalOnly));
}
