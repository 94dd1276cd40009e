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
    /// Why a question cannot be answered now ("the index is still being built", or why it failed), or null when an
    /// index is searchable. Front ends answer it with their own "not ready" (HTTP 503, a console message).
    /// </summary>
    public string? NotReadyReason()
    {
        lock (_gate)
        {
            return _hasIndex ? null
                : _indexState == IndexState.Failed ? $"Indexing the corpus failed: {IndexError}"
                : "The corpus is still being indexed.";
        }
    }

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
