using RagAssistant.Hosting.Composition;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// Publishes what the loaded models mean to <see cref="AssistantReadiness"/>: the chat model's state, the runtime
/// description with its notices, and the download offer. Run at start and again when a downloaded chat model is
/// switched to.
/// </summary>
/// <param name="states">Derives the chat model's state.</param>
/// <param name="offers">Reads the manifest and finds the offer.</param>
/// <param name="notices">Words the notices.</param>
/// <param name="runtimeInfo">Describes what the assistant runs on.</param>
/// <param name="readiness">Receives the outcome.</param>
public sealed class ModelReadinessPublisher(
    ChatModelStateDeriver states,
    ModelDownloadOffers offers,
    StartupNotices notices,
    AssistantRuntimeInfoFactory runtimeInfo,
    AssistantReadiness readiness)
{
    /// <summary>Publishes the state of <paramref name="models"/>.</summary>
    /// <param name="models">The models the assistant answers with now.</param>
    /// <param name="cancellationToken">Cancels reading the model manifest.</param>
    /// <returns>What the assistant runs on.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<AssistantRuntimeInfo> PublishAsync(LoadedModels models, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(models);
        var chatState = states.Derive(models);
        var manifest = offers.Needed(chatState) ? await offers.TryLoadManifestAsync(cancellationToken).ConfigureAwait(false) : null;
        var runtime = runtimeInfo.Create(models.Chat, chatState == ChatModelState.Remote, notices.For(models, chatState, manifest));
        readiness.ModelsPublished(runtime, chatState, offers.ChatOffer(chatState, manifest), models.Failure?.Message);
        return runtime;
    }
}
