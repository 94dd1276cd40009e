using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// The one start-up of both front ends: loads the models, describes what the assistant runs on, finds the default
/// chat model to offer when none is loaded, and builds the index, publishing each step to <see cref="AssistantReadiness"/>.
/// The service runs it in the background (<see cref="AssistantStartupService"/>); the console awaits it in front of
/// its progress bar and download prompt.
/// </summary>
/// <param name="services">Where the models and the index are resolved from (resolving loads a model: that is the start-up's work).</param>
/// <param name="readiness">Receives each step's outcome.</param>
/// <param name="configuration">The application's configuration (providers, corpus folder, retrieval-only).</param>
/// <param name="modelFiles">The local model files and whether they are downloaded.</param>
/// <param name="downloadHint">How the front end words "fetch the missing model" in the notices.</param>
/// <param name="timeProvider">Stamps the index builds.</param>
/// <param name="logger">Receives the start-up's progress and failures.</param>
public sealed partial class AssistantStartup(
    IServiceProvider services,
    AssistantReadiness readiness,
    IConfiguration configuration,
    LocalModelFiles modelFiles,
    IModelDownloadHint downloadHint,
    TimeProvider timeProvider,
    ILogger<AssistantStartup> logger)
{
    private readonly Lock _gate = new();
    private Task<AssistantRuntimeInfo>? _models;
    private Task? _run;
    private ExceptionDispatchInfo? _modelFailure;
    private bool _embedder;

    /// <summary>What has been done so far.</summary>
    public AssistantReadiness Readiness => readiness;

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
    public void ThrowIfModelsFailed() => _modelFailure?.Throw();

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
    public async Task<IndexReport?> BuildIndexAsync(IProgress<IndexProgress>? progress = null, string reason = "start", CancellationToken cancellationToken = default)
    {
        var index = services.GetService<ICorpusIndex>();
        if (index is null)
        {
            return null;
        }

        readiness.BuildStarted();
        LogBuildStarted(logger, reason);
        try
        {
            var report = await index.BuildAsync(progress, cancellationToken).ConfigureAwait(false);
            readiness.BuildSucceeded(report, timeProvider.GetUtcNow());
            LogBuildFinished(logger, report.Papers, report.Passages, report.Embedded, report.FromCache, report.Warnings.Count, report.Elapsed.TotalMilliseconds);
            // Each warning was logged once where it arose (the corpus loader, the cache); the count above points to them.
            return report;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogBuildFailed(logger, ex);
            readiness.BuildFailed(ex.Message);
            throw;
        }
    }

    private async Task RunCoreAsync(IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        await LoadModelsAsync(cancellationToken).ConfigureAwait(false);
        await BuildIndexAsync(progress, "start", cancellationToken).ConfigureAwait(false);
    }

    private async Task<AssistantRuntimeInfo> LoadModelsCoreAsync(CancellationToken cancellationToken)
    {
        // Resolving it probed the model files: at start-up, not while services were registered.
        var files = modelFiles;
        IChatClient? chat = null;
        var embedder = false;
        string? error = null;
        try
        {
            // The adapters load their files when first resolved: now, rather than on the first question.
            chat = services.GetService<IChatClient>();
            embedder = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>() is not null;
        }
        catch (Exception ex)
        {
            LogModelLoadFailed(logger, ex);
            error = ex.Message;
            _modelFailure = ExceptionDispatchInfo.Capture(ex);
        }

        // A local GGUF file that failed to load resolves as null (for whoever resolved it first); its failure is kept.
        if (error is null && files.LoadFailure is { } failure)
        {
            LogModelLoadFailed(logger, failure);
            error = failure.Message;
            _modelFailure = ExceptionDispatchInfo.Capture(failure);
        }

        _embedder = embedder;
        return await PublishModelsAsync(chat, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads the chat model that a download (<see cref="ChatModelDownload"/>) has just saved where the start-up found
    /// it missing, and switches answers from retrieval-only to generated by it without a restart: the next questions
    /// go to a pipeline over the loaded model, and readiness is published again (chat model loaded, its notice and
    /// download offer gone).
    /// </summary>
    /// <param name="cancellationToken">Cancels reading the model manifest.</param>
    /// <returns>What the assistant runs on now.</returns>
    /// <exception cref="InvalidOperationException">The chat model was not missing at start-up, or its file is still not there.</exception>
    /// <exception cref="Exception">The file failed to load (e.g. a <c>ModelFileException</c>); answers stay retrieval-only and readiness is unchanged.</exception>
    public async Task<AssistantRuntimeInfo> LoadDownloadedChatModelAsync(CancellationToken cancellationToken = default)
    {
        await LoadModelsAsync(cancellationToken).ConfigureAwait(false);
        if (readiness.ChatModel != ChatModelState.Missing)
        {
            throw new InvalidOperationException($"The chat model is {readiness.ChatModel}, not missing: there is no downloaded chat model to switch to.");
        }

        if (modelFiles.ProbeChatAgain() is not { IsPresent: true } file)
        {
            throw new InvalidOperationException($"The chat model file {modelFiles.Chat?.Path} is not there yet.");
        }

        var (chat, tokenizer) = RagAssistantServiceCollectionExtensions.LoadLocalChatModel(services)
            ?? throw new InvalidOperationException("No local chat model is registered.");

        // Composed like the pipeline at start (same retriever, prompts, options and filters), with the loaded model.
        services.GetService<SwitchableAnswerPipeline>()?.SwitchTo(AnsweringServiceCollectionExtensions.ComposeAnswerPipeline(services, chat, tokenizer));
        LogDownloadedChatModelLoaded(logger, file.Path);
        return await PublishModelsAsync(chat, error: null, cancellationToken).ConfigureAwait(false);
    }

    // The runtime description, notices, chat model state and download offer for the chat client the assistant answers with.
    private async Task<AssistantRuntimeInfo> PublishModelsAsync(IChatClient? chat, string? error, CancellationToken cancellationToken)
    {
        var files = modelFiles;
        var chatState = ChatState(files, chat, error);
        var manifest = chatState is ChatModelState.Missing or ChatModelState.NotConfigured || files.Embedding is { IsPresent: false }
            ? await TryLoadManifestAsync(cancellationToken).ConfigureAwait(false)
            : null;
        var notices = Notices(files, chat, _embedder, chatState, manifest);
        var runtime = AssistantRuntimeInfoFactory.Create(services, files, chat, chatState == ChatModelState.Remote, notices);
        var offer = chatState is ChatModelState.Missing or ChatModelState.NotConfigured && manifest?.Find("chat") is { } model
            ? new ModelDownloadOffer("chat", model, services.GetRequiredService<ModelStore>().Status(model), files.Chat?.Path)
            : null;
        readiness.ModelsPublished(runtime, chatState, offer, error);
        return runtime;
    }

    private ChatModelState ChatState(LocalModelFiles files, IChatClient? chat, string? error)
    {
        if (configuration.GetValue<bool>(CommandLineOverrides.RetrievalOnlyKey))
        {
            return ChatModelState.Off;
        }

        if (error is not null)
        {
            return ChatModelState.Failed;
        }

        if (RagAssistantServiceCollectionExtensions.ResolveChatProvider(configuration, out _) == ChatModelProvider.OpenAICompatible)
        {
            return ChatModelState.Remote;
        }

        return chat is not null ? ChatModelState.Loaded
            : files.Chat is { IsPresent: false } ? ChatModelState.Missing
            : ChatModelState.NotConfigured;
    }

    // One wording for both front ends; only how to fetch a missing file is the front end's (IModelDownloadHint).
    private List<string> Notices(LocalModelFiles files, IChatClient? chat, bool embedder, ChatModelState chatState, ModelManifest? manifest)
    {
        var notices = new List<string>();
        switch (chatState)
        {
            case ChatModelState.Off:
                notices.Add("Retrieval-only mode: answers are sentences extracted from the papers, not generated.");
                break;
            case ChatModelState.Missing:
                notices.Add($"The chat model {files.Chat!.Path} is not downloaded yet: answers are retrieval-only (extracted, not generated). {downloadHint.Describe("chat", files.Chat.Path, manifest?.Find("chat"))}, or set {RagAssistantServiceCollectionExtensions.ChatProviderKey} to OpenAICompatible to use a model server; then restart.");
                break;
            case ChatModelState.NotConfigured:
                notices.Add("No chat model configured (ChatModel:ModelPath).");
                break;
        }

        if (chat?.GetService<LlamaCpp.Chat.LlamaChatClient>() is { UsesFallbackTemplate: true })
        {
            notices.Add($"{Path.GetFileName(files.Chat?.Path)} has no chat template: a plain User/Assistant format is used (set ChatModel:ChatTemplate to choose one, e.g. \"chatml\").");
        }

        var embeddingProvider = RagAssistantServiceCollectionExtensions.ResolveEmbeddingProvider(configuration, out _);
        if (embeddingProvider == EmbeddingProvider.None)
        {
            notices.Add($"{RagAssistantServiceCollectionExtensions.EmbeddingProviderKey} is None: retrieval is BM25 (keyword) only. Set it to Bundled for semantic search with the built-in model.");
        }
        else if (embeddingProvider == EmbeddingProvider.Gguf && !embedder)
        {
            notices.Add(files.Embedding is { IsPresent: false } missing
                ? $"The GGUF embedding model {missing.Path} is not downloaded yet: retrieval is BM25 only. {downloadHint.Describe("embedding", missing.Path, manifest?.Find("embedding"))}, or set {RagAssistantServiceCollectionExtensions.EmbeddingProviderKey} to Bundled to use the built-in model (no download)."
                : "No embedding model configured (EmbeddingModel:ModelPath).");
        }

        return notices;
    }

    private async Task<ModelManifest?> TryLoadManifestAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<ModelStore>() is not { } store)
        {
            return null;
        }

        try
        {
            return await store.LoadManifestAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // Only the offer and the download URL in the notices are lost: the assistant still starts.
            LogManifestUnreadable(logger, store.ManifestPath, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexing the corpus ({Reason})")]
    private static partial void LogBuildStarted(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index ready: {Papers} papers, {Passages} passages ({Embedded} embedded, {FromCache} from cache), {Warnings} warnings, in {ElapsedMs:F0} ms")]
    private static partial void LogBuildFinished(ILogger logger, int papers, int passages, int embedded, int fromCache, int warnings, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Indexing the corpus failed; the previous index, if any, stays searchable")]
    private static partial void LogBuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading the models failed; the assistant is not ready")]
    private static partial void LogModelLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the downloaded chat model {Path}: answers are generated by it from now on")]
    private static partial void LogDownloadedChatModelLoaded(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model manifest {Path} cannot be read ({Reason}); no download is offered")]
    private static partial void LogManifestUnreadable(ILogger logger, string path, string reason);
}
