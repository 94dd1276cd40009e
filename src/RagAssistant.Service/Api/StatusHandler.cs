using RagAssistant.Core.Retrieval;
using RagAssistant.Service.Answering;

namespace RagAssistant.Service.Api;

/// <summary><c>GET /api/status</c>: model, backend, corpus size, index state and queue load.</summary>
internal sealed class StatusHandler(IServiceProvider services, IPaperCatalog catalog, AssistantReadiness readiness, LocalModelFiles modelFiles, ChatModelDownload download, AnswerQueue queue)
{
    /// <summary>At most this many corpus warnings are listed; the log has them all.</summary>
    private const int MaxWarnings = 20;

    /// <summary>Where <c>POST</c> starts the download of the offered chat model.</summary>
    public const string ChatModelDownloadPath = "/api/models/chat/download";

    public StatusResponse GetStatus()
    {
        // Published by the start-up once the models are loaded; null while they load.
        var runtime = readiness.Runtime;
        var report = readiness.LastReport;
        var embedding = services.GetService<ICorpusIndex>()?.Embedding ?? EmbeddingProgress.None;

        // Only a loaded chat model has a file, a context and threads: a missing one is named as missing, not as the model.
        var chat = readiness.ChatModel is ChatModelState.Loaded or ChatModelState.Remote ? runtime : null;
        return new StatusResponse(
            readiness.IsReady,
            new ModelStatus(
                readiness.ModelError,
                readiness.ChatModel == ChatModelState.Loaded ? runtime?.ChatModelPath : null,
                runtime?.ChatModelDescription,
                runtime?.EmbeddingModelDescription ?? runtime?.EmbeddingModelPath,
                runtime?.Backend ?? "none",
                chat?.ContextSize is > 0 and var contextSize ? contextSize : null,
                chat?.Threads is > 0 and var threads ? threads : null,
                runtime?.RetrievalOnly ?? false,
                runtime?.Notices ?? [],
                readiness.ChatModel,
                DownloadStatus(readiness.ChatModelOffer, download.Progress),
                readiness.ChatModel == ChatModelState.Missing ? modelFiles.Chat?.Path ?? runtime?.ChatModelPath : null),
            new CorpusStatus(runtime?.CorpusFolder, readiness.HasIndex ? catalog.Count : 0),
            new IndexStatus(
                readiness.IndexState,
                readiness.IndexError,
                readiness.LastBuiltAt,
                report?.Papers ?? 0,
                report?.Passages ?? 0,
                report?.FromCache ?? 0,
                embedding.State == EmbeddingState.Ready,
                report?.Elapsed.TotalMilliseconds ?? 0,
                Warnings(report, embedding)),
            new QueueStatus(queue.Running, queue.Waiting, queue.MaxConcurrent, queue.MaxQueued),
            new EmbeddingStatus(
                embedding.State,
                embedding.Done,
                embedding.Total,
                embedding.PassagesPerSecond is { } rate ? Math.Round(rate, 2) : null,
                embedding.Eta is { } eta ? Math.Round(eta.TotalSeconds, 1) : null,
                embedding.Error,
                SentenceEmbeddingStatus.From(embedding),
                embedding.SecondDense));
    }

    // The build's warnings, then the embedding cache's (a save that failed after the build), each once.
    private static List<string> Warnings(IndexReport? report, EmbeddingProgress embedding) =>
        [.. (report?.Warnings ?? []).Append(embedding.CacheWarning).OfType<string>().Distinct(StringComparer.Ordinal).Take(MaxWarnings)];

    // A service user has no source checkout: the command saves the file where this service loads it from.
    private static ModelDownloadStatus? DownloadStatus(ModelDownloadOffer? offer, ChatModelDownloadProgress? progress) => offer is null ? null : new(
        offer.Role,
        offer.Model.Name,
        offer.TargetPath,
        offer.Url,
        offer.SizeBytes,
        offer.Model.ApproximateSizeMegabytes,
        offer.Model.License,
        DownloadCommandHint.CurlCommand(offer.TargetPath, offer.Url),
        ChatModelDownloadPath,
        progress);
}
