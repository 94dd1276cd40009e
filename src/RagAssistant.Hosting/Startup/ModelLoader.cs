using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.Hosting.Startup;

/// <summary>What loading the models at start gave.</summary>
/// <param name="Chat">The chat model's client, or null (none configured, not downloaded, retrieval-only, or failed).</param>
/// <param name="HasEmbedder">True when an embedding model is loaded (dense search is possible).</param>
/// <param name="Failure">The exception that stopped a model from loading, or null.</param>
public sealed record LoadedModels(IChatClient? Chat, bool HasEmbedder, Exception? Failure);

/// <summary>
/// Loads the chat and embedding models, at start-up rather than on the first question: the adapters load their files
/// when their clients are first created. A model that fails to load is reported in the result, not thrown.
/// </summary>
/// <param name="chatClient">Creates (and so loads) the chat client; null when there is none.</param>
/// <param name="embeddingGenerator">Creates (and so loads) the embedding generator; null when there is none.</param>
/// <param name="files">The local model files, whose load failures are recorded rather than thrown.</param>
/// <param name="downloadHint">The front end's words for fetching a model, put in a model file's fix (<see cref="IModelDownloadHint.DescribeDownloadAgain"/>).</param>
/// <param name="logger">Receives a load failure.</param>
public sealed partial class ModelLoader(
    Func<IChatClient?> chatClient,
    Func<IEmbeddingGenerator<string, Embedding<float>>?> embeddingGenerator,
    LocalModelFiles files,
    IModelDownloadHint downloadHint,
    ILogger<ModelLoader> logger)
{
    /// <summary>Loads the models now.</summary>
    /// <returns>The clients loaded and the failure, if any.</returns>
    public LoadedModels Load()
    {
        IChatClient? chat = null;
        var embedder = false;
        Exception? failure = null;
        try
        {
            chat = chatClient();
            embedder = embeddingGenerator() is not null;
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        // A local GGUF file that failed to load resolves as null (for whoever resolved it first); its failure is kept.
        failure ??= files.LoadFailure;
        if (failure is ModelFileException known)
        {
            // Its fix in the front end's words (the command as the program was started): what the log, readiness and
            // a front end that cannot go on all say.
            failure = known = downloadHint.Advise(known);
            // A file the user can fix (not GGUF, truncated, refused by llama.cpp): its message says what and how; a stack
            // trace would bury it in the log.
            LogModelFileUnusable(logger, known.Message);
        }
        else if (failure is not null)
        {
            LogModelLoadFailed(logger, failure);
        }

        return new LoadedModels(chat, embedder, failure);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading the models failed; the assistant is not ready: {Reason}")]
    private static partial void LogModelFileUnusable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading the models failed; the assistant is not ready")]
    private static partial void LogModelLoadFailed(ILogger logger, Exception exception);
}
