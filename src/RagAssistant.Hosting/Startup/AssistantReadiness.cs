using RagAssistant.Core.Retrieval;

namespace RagAssistant.Hosting.Startup;

/// <summary>Where the index stands.</summary>
public enum IndexState
{
    /// <summary>The first build has not finished yet.</summary>
    Building,

    /// <summary>Searches can run.</summary>
    Ready,

    /// <summary>Searches can run on the previous index while changed files are re-indexed.</summary>
    Refreshing,

    /// <summary>The last build failed; see <see cref="AssistantReadiness.IndexError"/>.</summary>
    Failed,
}

/// <summary>Where the models stand.</summary>
public enum ModelState
{
    /// <summary>The model files are being loaded.</summary>
    Loading,

    /// <summary>The configured models are loaded (or none is configured: retrieval-only).</summary>
    Loaded,

    /// <summary>Loading failed; see <see cref="AssistantReadiness.ModelError"/>.</summary>
    Failed,
}

/// <summary>Where the chat model stands, for /api/status and the console's download offer.</summary>
public enum ChatModelState
{
    /// <summary>The models are not loaded yet.</summary>
    Pending,

    /// <summary>A local GGUF model (or another in-process client) answers.</summary>
    Loaded,

    /// <summary>A model server (OpenAI-compatible) answers.</summary>
    Remote,

    /// <summary>A GGUF file is configured but not downloaded: answers are retrieval-only.</summary>
    Missing,

    /// <summary>No chat model is configured: answers are retrieval-only.</summary>
    NotConfigured,

    /// <summary>Retrieval-only mode was asked for (<c>--retrieval-only</c>).</summary>
    Off,

    /// <summary>Loading the chat model failed; see <see cref="AssistantReadiness.ModelError"/>.</summary>
    Failed,
}

/// <summary>What keeps the assistant from answering now.</summary>
public enum NotReadyCause
{
    /// <summary>Loading the models failed; only a fixed model file and a restart help.</summary>
    ModelsFailed,

    /// <summary>The models are still loading.</summary>
    ModelsLoading,

    /// <summary>The first index build failed (no index to search).</summary>
    IndexFailed,

    /// <summary>The first index build has not finished yet.</summary>
    IndexBuilding,
}

/// <summary>
/// Why the assistant cannot answer (or search) now: the one statement of "not ready", derived from
/// <see cref="AssistantReadiness"/>. It holds facts only; each front end words it for its user (the service's 503
/// and /health/ready).
/// </summary>
/// <param name="Cause">What keeps the assistant from answering.</param>
/// <param name="Error">The failure's message for <see cref="NotReadyCause.ModelsFailed"/> and <see cref="NotReadyCause.IndexFailed"/>; else null.</param>
public sealed record NotReadyReason(NotReadyCause Cause, string? Error = null)
{
    /// <summary>True when the start-up failed (waiting does not help), false while it is still running.</summary>
    public bool IsFailure => Cause is NotReadyCause.ModelsFailed or NotReadyCause.IndexFailed;
}

/// <summary>
/// What the start-up (<see cref="AssistantStartup"/>) has done so far: models, index, the runtime description, the
/// notices and the download offer. Both front ends and /health/ready read it. Thread-safe.
/// </summary>
public sealed class AssistantReadiness
{
    private readonly Lock _gate = new();
    private IndexState _indexState = IndexState.Building;
    private ModelState _modelState = ModelState.Loading;
    private bool _hasIndex;

    /// <summary>The index state.</summary>
    public IndexState IndexState { get { lock (_gate) { return _indexState; } } }

    /// <summary>The model state.</summary>
    public ModelState ModelState { get { lock (_gate) { return _modelState; } } }

    /// <summary>The report of the last successful build, or null.</summary>
    public IndexReport? LastReport { get; private set; }

    /// <summary>When the last successful build finished.</summary>
    public DateTimeOffset? LastBuiltAt { get; private set; }

    /// <summary>Why the last build failed, or null.</summary>
    public string? IndexError { get; private set; }

    /// <summary>Why loading the models failed, or null.</summary>
    public string? ModelError { get; private set; }

    /// <summary>What the assistant runs on, with its notices; null until the models are loaded (or failed to load).</summary>
    public AssistantRuntimeInfo? Runtime { get; private set; }

    /// <summary>Where the chat model stands.</summary>
    public ChatModelState ChatModel { get; private set; }

    /// <summary>The default chat model offered for download because none is loaded, or null.</summary>
    public ModelDownloadOffer? ChatModelOffer { get; private set; }

    /// <summary>True when questions can be answered: an index is built and the models are loaded.</summary>
    public bool IsReady
    {
        get
        {
            lock (_gate)
            {
                return _hasIndex && _modelState == ModelState.Loaded;
            }
        }
    }

    /// <summary>True once some index is available to search, even while a refresh runs or after one failed.</summary>
    public bool HasIndex { get { lock (_gate) { return _hasIndex; } } }

    /// <summary>
    /// Why a question cannot be answered now, or null when it can (<see cref="IsReady"/>): a model failure first
    /// (it outlasts everything else), then models still loading, then the index (failed or still building).
    /// </summary>
    /// <returns>The reason, or null when ready.</returns>
    public NotReadyReason? NotReady()
    {
        lock (_gate)
        {
            return _modelState switch
            {
                ModelState.Failed => new NotReadyReason(NotReadyCause.ModelsFailed, ModelError),
                ModelState.Loading => new NotReadyReason(NotReadyCause.ModelsLoading),
                _ => IndexNotReadyCore(),
            };
        }
    }

    /// <summary>
    /// Why nothing can be searched now (the first index build failed or has not finished), or null once some index
    /// is searchable, even while a refresh runs or after one failed. Searching needs no chat model.
    /// </summary>
    /// <returns>The reason, or null when an index is searchable.</returns>
    public NotReadyReason? NotSearchable()
    {
        lock (_gate)
        {
            return IndexNotReadyCore();
        }
    }

    private NotReadyReason? IndexNotReadyCore() =>
        _hasIndex ? null
        : _indexState == IndexState.Failed ? new NotReadyReason(NotReadyCause.IndexFailed, IndexError)
        : new NotReadyReason(NotReadyCause.IndexBuilding);

    internal void ModelsPublished(AssistantRuntimeInfo runtime, ChatModelState chatModel, ModelDownloadOffer? offer, string? error)
    {
        lock (_gate)
        {
            Runtime = runtime;
            ChatModel = chatModel;
            ChatModelOffer = offer;
            ModelError = error;
            _modelState = error is null ? ModelState.Loaded : ModelState.Failed;
        }
    }

    internal void BuildStarted()
    {
        lock (_gate)
        {
            _indexState = _hasIndex ? IndexState.Refreshing : IndexState.Building;
        }
    }

    internal void BuildSucceeded(IndexReport report, DateTimeOffset at)
    {
        lock (_gate)
        {
            LastReport = report;
            LastBuiltAt = at;
            IndexError = null;
            _hasIndex = true;
            _indexState = IndexState.Ready;
        }
    }

    internal void BuildFailed(string error)
    {
        lock (_gate)
        {
            IndexError = error;

            // A failed refresh keeps the previous index searchable.
            _indexState = _hasIndex ? IndexState.Ready : IndexState.Failed;
        }
    }
}
