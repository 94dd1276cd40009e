using System.Runtime.ExceptionServices;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// The one start-up of both front ends, in order: load the models (<see cref="ModelLoader"/>), publish what they mean
/// (<see cref="ModelReadinessPublisher"/>: state, notices, download offer), then build the index
/// (<see cref="CorpusIndexBuild"/>), each step's outcome in <see cref="AssistantReadiness"/>. The service runs it in
/// the background (<see cref="AssistantStartupService"/>); the console awaits it in front of its progress bar and
/// download prompt.
/// </summary>
public sealed class AssistantStartup
{
    private readonly Lock _gate = new();
    private readonly ModelLoader _loader;
    private readonly ModelReadinessPublisher _publisher;
    private readonly CorpusIndexBuild _indexBuild;
    private readonly AssistantReadiness _readiness;
    private Task<AssistantRuntimeInfo>? _models;
    private Task? _run;

    /// <summary>Creates the start-up from its steps.</summary>
    /// <param name="loader">Loads the models.</param>
    /// <param name="publisher">Publishes the models' state, notices and offer.</param>
    /// <param name="indexBuild">Builds the index.</param>
    /// <param name="readiness">Holds each step's outcome.</param>
    public AssistantStartup(ModelLoader loader, ModelReadinessPublisher publisher, CorpusIndexBuild indexBuild, AssistantReadiness readiness)
    {
        _loader = loader;
        _publisher = publisher;
        _indexBuild = indexBuild;
        _readiness = readiness;
    }

    /// <summary>What has been done so far.</summary>
    public AssistantReadiness Readiness => _readiness;

    /// <summary>What loading the models gave, or null before <see cref="LoadModelsAsync"/> has loaded them.</summary>
    internal LoadedModels? Models { get; private set; }

    /// <summary>
    /// Loads the chat and embedding models (once; later calls return the same task), then publishes the runtime
    /// description, the notices, the chat model's state and the download offer. A model that fails to load does
    /// not throw here: readiness reports it (<see cref="ModelState.Failed"/>); see <see cref="ThrowIfModelsFailed"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels reading the model manifest.</param>
    /// <returns>What the assistant runs on.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<AssistantRuntimeInfo> LoadModelsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _models ??= LoadModelsCoreAsync(cancellationToken);
        }
    }

    /// <summary>Rethrows the exception that stopped a model from loading, for a front end that cannot go on without it.</summary>
    /// <exception cref="Exception">Whatever the model adapter threw (e.g. <see cref="InvalidDataException"/> for a corrupt GGUF file).</exception>
    public void ThrowIfModelsFailed()
    {
        if (Models?.Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>
    /// The whole start-up, once (later calls return the same task): <see cref="LoadModelsAsync"/>, then
    /// <see cref="BuildIndexAsync"/>.
    /// </summary>
    /// <param name="progress">Receives the index build's progress, or null.</param>
    /// <param name="cancellationToken">Stops the start-up (host shutdown).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Exception">The index build failed (also recorded in readiness).</exception>
    public Task RunAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _run ??= RunCoreAsync(progress, cancellationToken);
        }
    }

    /// <summary>
    /// Builds the index, or refreshes it incrementally (the first build at start, a re-index when the corpus
    /// changes), recording the outcome in readiness. A failed refresh keeps the previous index searchable.
    /// </summary>
    /// <param name="progress">Receives the build's stages, or null.</param>
    /// <param name="reason">Why it runs ("start", "corpus changed"), for the log.</param>
    /// <param name="cancellationToken">Stops the build.</param>
    /// <returns>The build's report, or null when no index is registered.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Exception">The build failed (a missing corpus folder, an unreadable cache); readiness has its message.</exception>
    public Task<IndexReport?> BuildIndexAsync(IProgress<IndexProgress>? progress = null, string reason = "start", CancellationToken cancellationToken = default) =>
        _indexBuild.RunAsync(progress, reason, cancellationToken);

    private async Task RunCoreAsync(IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        await LoadModelsAsync(cancellationToken).ConfigureAwait(false);
        await BuildIndexAsync(progress, "start", cancellationToken).ConfigureAwait(false);
    }

    private Task<AssistantRuntimeInfo> LoadModelsCoreAsync(CancellationToken cancellationToken)
    {
        var models = _loader.Load();
        Models = models;
        return _publisher.PublishAsync(models, cancellationToken);
    }
}
