using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Api;

/// <summary>Answer of <c>GET /api/status</c>.</summary>
internal sealed record StatusResponse(bool Ready, ModelStatus Model, CorpusStatus Corpus, IndexStatus Index, QueueStatus Queue, EmbeddingStatus Embedding);

/// <summary>Background passage embedding: until <c>State</c> is Ready, searches and answers run BM25 only.</summary>
/// <param name="State">None (no embedding model), Running, Ready or Failed.</param>
/// <param name="Done">Passages with a vector so far (from the cache or embedded).</param>
/// <param name="Total">Passages in the corpus.</param>
/// <param name="PassagesPerSecond">Embedding rate, or null before the first batch.</param>
/// <param name="EtaSeconds">Estimated seconds left, or null when unknown.</param>
/// <param name="Error">Why embedding failed, or null.</param>
/// <param name="Sentences">
/// The source sentences' own state: <paramref name="State"/>, <paramref name="EtaSeconds"/> and the rate are the
/// passages' (ready means hybrid search runs), and the sentences are embedded after them, so ready passages with
/// sentences still running are "ready" above and "running" here. Until every sentence has a vector the "not covered"
/// gate judges by the passage cosine.
/// </param>
/// <param name="SecondDense">
/// The second dense retriever's passage vectors (<c>Retrieval:SecondDenseWeight</c>): None (off), Queued (waiting for
/// the first embedder's passages and sentences), Running (being embedded), Ready (hybrid search ranks with it) or
/// Failed (ranking without it; the log says why).
/// </param>
internal sealed record EmbeddingStatus(EmbeddingState State, int Done, int Total, double? PassagesPerSecond, double? EtaSeconds, string? Error, SentenceEmbeddingStatus Sentences, EmbeddingState SecondDense);

/// <summary>Background embedding of the source sentences, which the "not covered" gate reads once all have a vector.</summary>
/// <param name="State">None (no embedding model), Running (the passages or the sentences are still being embedded), Ready or Failed.</param>
/// <param name="Done">Sentences with a vector so far.</param>
/// <param name="Total">Distinct source sentences in the corpus (0 until the passages are embedded).</param>
/// <param name="EtaSeconds">Estimated seconds left while the sentences are being embedded, or null when unknown or done.</param>
internal sealed record SentenceEmbeddingStatus(EmbeddingState State, int Done, int Total, double? EtaSeconds)
{
    /// <summary>The sentences' state within <paramref name="embedding"/>'s progress.</summary>
    /// <param name="embedding">The background embedding as the index reports it.</param>
    public static SentenceEmbeddingStatus From(EmbeddingProgress embedding) => new(
        embedding.SentencesPending ? EmbeddingState.Running : embedding.State,
        embedding.SentencesDone,
        embedding.SentencesTotal,
        embedding.SentencesPending && embedding.SentencesEta is { } eta ? Math.Round(eta.TotalSeconds, 1) : null);
}

/// <summary>
/// The models the service runs on. <paramref name="ChatModelState"/> is the one state of the chat model: there is no
/// separate "models loaded" flag that could say loaded next to a chat model that is missing.
/// </summary>
/// <param name="Error">Why loading a model (chat or embedding) failed, or null; set when <paramref name="ChatModelState"/> is failed.</param>
/// <param name="ChatModel">The chat model file that is loaded; null (left out) while none is: pending, missing, off, failed, or a server.</param>
/// <param name="Description">The chat model in words (architecture, size, quantization; or the server's model).</param>
/// <param name="EmbeddingModel">The embedder in words, or its file; null when retrieval is BM25 only.</param>
/// <param name="Backend">"cpu", "cuda (device)", "remote" or "none".</param>
/// <param name="ContextSize">Chat context in tokens; null (left out) without a loaded chat model.</param>
/// <param name="Threads">CPU threads used for generation; null (left out) without a loaded chat model.</param>
/// <param name="RetrievalOnly">True when answers are extracted, not generated.</param>
/// <param name="Notices">Why something is missing and how to fix it.</param>
/// <param name="ChatModelState">pending (the models are loading), loaded, remote, missing (configured, not downloaded), notConfigured, off (retrieval-only asked) or failed (see <paramref name="Error"/>).</param>
/// <param name="ChatModelDownload">The default chat model to download when none is loaded, or null.</param>
/// <param name="MissingChatModel">The configured chat model file that is not there (<paramref name="ChatModelState"/> missing), or null.</param>
internal sealed record ModelStatus(
    string? Error,
    string? ChatModel,
    string? Description,
    string? EmbeddingModel,
    string Backend,
    int? ContextSize,
    int? Threads,
    bool RetrievalOnly,
    IReadOnlyList<string> Notices,
    ChatModelState ChatModelState,
    ModelDownloadStatus? ChatModelDownload,
    string? MissingChatModel);

/// <summary>A model the service can run on once it is downloaded, and how a service user fetches it.</summary>
/// <param name="Role">"chat".</param>
/// <param name="Name">The model's name in models/models.json.</param>
/// <param name="Path">Where the service loads the file from (absolute).</param>
/// <param name="Url">The public download URL.</param>
/// <param name="SizeBytes">Exact size when pinned, else null.</param>
/// <param name="ApproxSizeMb">Approximate size in MB when the exact one is not pinned, else null.</param>
/// <param name="License">SPDX licence id, or null.</param>
/// <param name="Command">The command line that saves the file at <paramref name="Path"/>; restart the service afterwards.</param>
/// <param name="Endpoint">The service's own way: <c>POST</c> this path (with the API key) to download it in the background; once it is verified the service loads it and answers with it, no restart.</param>
/// <param name="Progress">The download started through <paramref name="Endpoint"/>, or null when none was.</param>
internal sealed record ModelDownloadStatus(string Role, string Name, string Path, Uri Url, long? SizeBytes, int? ApproxSizeMb, string? License, string Command, string Endpoint, ChatModelDownloadProgress? Progress);

/// <summary>The corpus being served.</summary>
internal sealed record CorpusStatus(string? Folder, int Papers);

/// <summary>
/// The index and its last build. How many passages have their vector is <see cref="EmbeddingStatus.Done"/> alone:
/// the build returns before the background embedding ends, so a count taken at the build would be stale.
/// </summary>
/// <param name="State">Building, Ready, Refreshing or Failed.</param>
/// <param name="Error">Why the last build failed, or null.</param>
/// <param name="LastBuiltAt">When the last successful build finished, or null.</param>
/// <param name="Papers">Papers in the index.</param>
/// <param name="Passages">Passages in the index.</param>
/// <param name="FromCache">Passage vectors the last build found in the embedding cache.</param>
/// <param name="DenseAvailable">True once every passage has its vector (dense and hybrid search run).</param>
/// <param name="LastBuildMs">How long the last build took until BM25 was searchable, in milliseconds.</param>
/// <param name="Warnings">Corpus warnings of the last build (at most 20; the log has them all).</param>
internal sealed record IndexStatus(
    IndexState State,
    string? Error,
    DateTimeOffset? LastBuiltAt,
    int Papers,
    int Passages,
    int FromCache,
    bool DenseAvailable,
    double LastBuildMs,
    IReadOnlyList<string> Warnings);

/// <summary>The answer queue right now.</summary>
internal sealed record QueueStatus(int Running, int Waiting, int MaxConcurrent, int MaxQueued);
