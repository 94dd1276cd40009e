using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Indexing;

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

/// <summary>What the indexing worker has done so far, for /health/ready and /api/status. Thread-safe.</summary>
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

    internal void ModelsLoaded() => SetModel(ModelState.Loaded, null);

    internal void ModelsFailed(string error) => SetModel(ModelState.Failed, error);

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

    private void SetModel(ModelState state, string? error)
    {
        lock (_gate)
        {
            _modelState = state;
            ModelError = error;
        }
    }
}
