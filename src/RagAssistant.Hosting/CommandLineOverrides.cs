namespace RagAssistant.Hosting;

/// <summary>
/// The overrides every front end accepts on its command line (--model, --embedding-model, --corpus,
/// --retrieval-only), turned into configuration keys so they win over appsettings.json.
/// </summary>
/// <param name="ModelPath">The chat model file (<c>--model</c>), or null.</param>
/// <param name="EmbeddingModelPath">The GGUF embedding model file (<c>--embedding-model</c>), or null.</param>
/// <param name="CorpusFolder">The corpus folder (<c>--corpus</c>), or null.</param>
/// <param name="RetrievalOnly">True for <c>--retrieval-only</c>: extracted answers, no chat model loaded.</param>
public sealed record CommandLineOverrides(
    string? ModelPath = null,
    string? EmbeddingModelPath = null,
    string? CorpusFolder = null,
    bool RetrievalOnly = false)
{
    /// <summary>Configuration key of the chat model file.</summary>
    public const string ChatModelPathKey = "ChatModel:ModelPath";

    /// <summary>Configuration key of the embedding model file.</summary>
    public const string EmbeddingModelPathKey = "EmbeddingModel:ModelPath";

    /// <summary>Configuration key of the corpus folder.</summary>
    public const string CorpusFolderKey = "Corpus:Folder";

    /// <summary>Set when a model file was named on the command line: then a missing file is an error, not a fallback.</summary>
    public const string RequireChatModelKey = "Assistant:RequireChatModel";

    /// <summary>Set when an embedding model file was named on the command line.</summary>
    public const string RequireEmbeddingModelKey = "Assistant:RequireEmbeddingModel";

    /// <summary>Configuration key of retrieval-only mode.</summary>
    public const string RetrievalOnlyKey = "Assistant:RetrievalOnly";

    /// <summary>Key/value pairs to add as the last configuration source.</summary>
    /// <returns>Only the options given: paths made absolute against the working directory, flags as "true".</returns>
    public IEnumerable<KeyValuePair<string, string?>> ToConfiguration()
    {
        if (ModelPath is not null)
        {
            yield return new(ChatModelPathKey, Path.GetFullPath(ModelPath));
            yield return new(RequireChatModelKey, "true");
        }

        if (EmbeddingModelPath is not null)
        {
            yield return new(EmbeddingModelPathKey, Path.GetFullPath(EmbeddingModelPath));
            yield return new(RequireEmbeddingModelKey, "true");
        }

        if (CorpusFolder is not null)
        {
            yield return new(CorpusFolderKey, Path.GetFullPath(CorpusFolder));
        }

        if (RetrievalOnly)
        {
            yield return new(RetrievalOnlyKey, "true");
        }
    }
}
