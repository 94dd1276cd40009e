using RagAssistant.Service.Indexing;

namespace RagAssistant.Service.Api;

/// <summary>Answer of <c>GET /api/status</c>.</summary>
public sealed record StatusResponse(bool Ready, ModelStatus Model, CorpusStatus Corpus, IndexStatus Index, QueueStatus Queue);

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
