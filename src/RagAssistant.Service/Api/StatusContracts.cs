using RagAssistant.Core.Retrieval;
using RagAssistant.Service.Indexing;

namespace RagAssistant.Service.Api;

/// <summary>Answer of <c>GET /api/status</c>.</summary>
public sealed record StatusResponse(bool Ready, ModelStatus Model, CorpusStatus Corpus, IndexStatus Index, QueueStatus Queue, EmbeddingStatus Embedding);

/// <summary>Background passage embedding: until <c>State</c> is Ready, searches and answers run BM25 only.</summary>
/// <param name="State">None (no embedding model), Running, Ready or Failed.</param>
/// <param name="Done">Passages with a vector so far (from the cache or embedded).</param>
/// <param name="Total">Passages in the corpus.</param>
/// <param name="PassagesPerSecond">Embedding rate, or null before the first batch.</param>
/// <param name="EtaSeconds">Estimated seconds left, or null when unknown.</param>
/// <param name="Error">Why embedding failed, or null.</param>
public sealed record EmbeddingStatus(EmbeddingState State, int Done, int Total, double? PassagesPerSecond, double? EtaSeconds, string? Error);

/// <summary>The models the service runs on.</summary>
public sealed record ModelStatus(
    ModelState State,
    string? Error,
    string? ChatModel,
    string? Description,
    string? EmbeddingModel,
    string Backend,
    int ContextSize,
    int Threads,
    bool RetrievalOnly,
    IReadOnlyList<string> Notices);

/// <summary>The corpus being served.</summary>
public sealed record CorpusStatus(string? Folder, int Papers);

/// <summary>The index and its last build.</summary>
public sealed record IndexStatus(
    IndexState State,
    string? Error,
    DateTimeOffset? LastBuiltAt,
    int Papers,
    int Passages,
    int Embedded,
    int FromCache,
    bool DenseAvailable,
    double LastBuildMs,
    IReadOnlyList<string> Warnings);

/// <summary>The answer queue right now.</summary>
public sealed record QueueStatus(int Running, int Waiting, int MaxConcurrent, int MaxQueued);
