using System.CommandLine;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.Hosting;

/// <summary>
/// The command-line options both front ends share (<c>--model</c>, <c>--embedding-model</c>, <c>--corpus</c>,
/// <c>--retrieval-only</c>), defined once with System.CommandLine and turned into <see cref="CommandLineOverrides"/>.
/// Add <see cref="All"/> to a command, parse, then call <see cref="ToOverrides"/>.
/// </summary>
public sealed class AssistantCommandLineOptions
{
    /// <summary>Creates the four options; they apply to subcommands too (<see cref="Option.Recursive"/>).</summary>
    /// <param name="downloadHint">The front end's words for fetching the default model, put in the error for a folder given as a model file; null for those of a user without a source checkout.</param>
    public AssistantCommandLineOptions(IModelDownloadHint? downloadHint = null)
    {
        downloadHint ??= new DownloadCommandHint();
        foreach (var option in new Option[] { Model, EmbeddingModel, Corpus })
        {
            // "--model --urls x" forgot the value: say so instead of taking "--urls" as the file name.
            option.Validators.Add(result =>
            {
                if (result.Tokens is [{ Value: var value }] && value.StartsWith("--", StringComparison.Ordinal))
                {
                    result.AddError($"{option.Name} needs a value, e.g. {option.Name} {option.HelpName}.");
                }
            });
        }

        foreach (var (option, role) in new[] { (Model, ModelFileRole.Chat), (EmbeddingModel, ModelFileRole.Embedding) })
        {
            // A folder is no missing file: say so, and which of its files to pick (GgufReader's wording).
            option.Validators.Add(result =>
            {
                if (result.Tokens is [{ Value: var value }] && Directory.Exists(value))
                {
                    try
                    {
                        GgufValidator.Validate(value, role: role);
                    }
                    catch (ModelFileException ex)
                    {
                        result.AddError(downloadHint.Advise(ex).Message);
                    }
                }
            });
        }
    }

    /// <summary><c>--model FILE</c>: the chat model GGUF file; overrides <c>ChatModel:ModelPath</c>.</summary>
    public Option<FileInfo?> Model { get; } = new("--model")
    {
        Description = "Chat model GGUF file (overrides ChatModel:ModelPath).",
        Recursive = true,
        HelpName = "FILE",
    };

    /// <summary><c>--embedding-model FILE</c>: the embedding model GGUF file; overrides <c>EmbeddingModel:ModelPath</c>.</summary>
    public Option<FileInfo?> EmbeddingModel { get; } = new("--embedding-model")
    {
        Description = "Embedding model GGUF file (overrides EmbeddingModel:ModelPath).",
        Recursive = true,
        HelpName = "FILE",
    };

    /// <summary><c>--corpus DIR</c>: the corpus folder; overrides <c>Corpus:Folder</c>.</summary>
    public Option<DirectoryInfo?> Corpus { get; } = new("--corpus")
    {
        Description = "Corpus folder of papers and documents (overrides Corpus:Folder).",
        Recursive = true,
        HelpName = "DIR",
    };

    /// <summary><c>--retrieval-only</c>: answer with extracted sentences, load no chat model.</summary>
    public Option<bool> RetrievalOnly { get; } = new("--retrieval-only")
    {
        Description = "Answer with extracted, cited sentences; do not load a chat model.",
        Recursive = true,
    };

    /// <summary>The four options, to add to a command.</summary>
    public IEnumerable<Option> All => [Model, EmbeddingModel, Corpus, RetrievalOnly];

    /// <summary>What the user gave on the command line, as configuration overrides (paths made absolute).</summary>
    /// <param name="parseResult">The result of parsing a command that holds <see cref="All"/>.</param>
    /// <returns>The overrides; null for each option not given.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="parseResult"/> is null.</exception>
    public CommandLineOverrides ToOverrides(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return new(
            parseResult.GetValue(Model)?.FullName,
            parseResult.GetValue(EmbeddingModel)?.FullName,
            parseResult.GetValue(Corpus)?.FullName,
            parseResult.GetValue(RetrievalOnly));
    }
}
