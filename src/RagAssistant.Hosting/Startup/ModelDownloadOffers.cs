using Microsoft.Extensions.Logging;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// Finds the default model to offer for download when the assistant runs without one, from models/models.json.
/// An unreadable manifest only loses the offer (and the URLs in the notices): the assistant still starts.
/// </summary>
/// <param name="store">The models folder and its manifest.</param>
/// <param name="files">The local model files and whether they are downloaded.</param>
/// <param name="logger">Receives an unreadable manifest.</param>
public sealed partial class ModelDownloadOffers(ModelStore store, LocalModelFiles files, ILogger<ModelDownloadOffers> logger)
{
    /// <summary>True when a model is missing, so the manifest is worth reading (for the offer and the notices' URLs).</summary>
    /// <param name="chatState">Where the chat model stands.</param>
    public bool Needed(ChatModelState chatState) =>
        chatState is ChatModelState.Missing or ChatModelState.NotConfigured || files.Embedding is { IsPresent: false };

    /// <summary>Reads the model manifest, or null (logged) when it cannot be read.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ModelManifest?> TryLoadManifestAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await store.LoadManifestAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            LogManifestUnreadable(logger, store.ManifestPath, ex.Message);
            return null;
        }
    }

    /// <summary>The default chat model to offer, or null when a chat model is there (or asked off) or the manifest names none.</summary>
    /// <param name="chatState">Where the chat model stands.</param>
    /// <param name="manifest">The model manifest, or null.</param>
    public ModelDownloadOffer? ChatOffer(ChatModelState chatState, ModelManifest? manifest) =>
        chatState is ChatModelState.Missing or ChatModelState.NotConfigured && manifest?.Find("chat") is { } model
            ? new ModelDownloadOffer("chat", model, store.Status(model), files.Chat?.Path)
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model manifest {Path} cannot be read ({Reason}); no download is offered")]
    private static partial void LogManifestUnreadable(ILogger logger, string path, string reason);
}
