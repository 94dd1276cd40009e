using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting.Models;
using RagAssistant.LlamaCpp.Chat;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// Words the start-up notices (what is missing and how to fix it) in one wording for both front ends; only how to
/// fetch a missing file is the front end's (<see cref="IModelDownloadHint"/>).
/// </summary>
/// <param name="configuration">The application's configuration (the embedding provider).</param>
/// <param name="files">The local model files and whether they are downloaded.</param>
/// <param name="downloadHint">How the front end words "fetch the missing model".</param>
public sealed class StartupNotices(IConfiguration configuration, LocalModelFiles files, IModelDownloadHint downloadHint)
{
    /// <summary>The notices for the models as loaded.</summary>
    /// <param name="models">What loading the models gave.</param>
    /// <param name="chatState">Where the chat model stands.</param>
    /// <param name="manifest">The model manifest (for the download URLs), or null when it cannot be read.</param>
    /// <returns>One sentence or more per notice, in the order shown.</returns>
    public IReadOnlyList<string> For(LoadedModels models, ChatModelState chatState, ModelManifest? manifest)
    {
        ArgumentNullException.ThrowIfNull(models);
        var notices = new List<string>();
        switch (chatState)
        {
            case ChatModelState.Off:
                notices.Add("Retrieval-only mode: answers are sentences extracted from the papers, not generated.");
                break;
            case ChatModelState.Missing:
                notices.Add($"The chat model {files.Chat!.Path} is not downloaded yet: answers are retrieval-only (extracted, not generated). {downloadHint.Describe("chat", files.Chat.Path, manifest?.Find("chat"))}, or set {ModelProviders.ChatKey} to OpenAICompatible to use a model server; then restart.");
                break;
            case ChatModelState.NotConfigured:
                notices.Add("No chat model configured (ChatModel:ModelPath).");
                break;
        }

        if (models.Chat?.GetService<LlamaChatClient>() is { UsesFallbackTemplate: true })
        {
            notices.Add($"{Path.GetFileName(files.Chat?.Path)} has no chat template: a plain User/Assistant format is used (set ChatModel:ChatTemplate to choose one, e.g. \"chatml\").");
        }

        var embeddingProvider = ModelProviders.ResolveEmbedding(configuration, out _);
        if (embeddingProvider == EmbeddingProvider.None)
        {
            notices.Add($"{ModelProviders.EmbeddingKey} is None: retrieval is BM25 (keyword) only. Set it to Bundled for semantic search with the built-in model.");
        }
        else if (embeddingProvider == EmbeddingProvider.Gguf && !models.HasEmbedder)
        {
            notices.Add(files.Embedding is { IsPresent: false } missing
                ? $"The GGUF embedding model {missing.Path} is not downloaded yet: retrieval is BM25 only. {downloadHint.Describe("embedding", missing.Path, manifest?.Find("embedding"))}, or set {ModelProviders.EmbeddingKey} to Bundled to use the built-in model (no download)."
                : "No embedding model configured (EmbeddingModel:ModelPath).");
        }

        return notices;
    }
}
