using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Parses the corpus folder, builds the BM25 index, and embeds every passage (through the on-disk cache) into the
/// vector store. A build returns as soon as BM25 is searchable: passages missing from the cache are embedded in the
/// background (<see cref="Embedding"/> tells the progress), and a snapshot with vectors replaces the BM25-only one when
/// they are all done. Without an embedding generator, or when embedding fails, the index is BM25 only and says so.
/// Builds are serialised; a new build cancels the previous build's background embedding.
/// </summary>
/// <remarks>
/// The vectors live once, in the vector store: one passage collection and one sentence collection per corpus folder
/// and embedding model (<see cref="CorpusVectors"/>), updated in place by each build's <see cref="PassageEmbeddingJob"/>.
/// Snapshots hold the passage collection; dense search, fusion and the relevance gate read vectors from it. The
/// sentences of every passage (as answers quote them, see <see cref="SourceSentences"/>) are embedded too, after the
/// passages and through the same cache file, so the evidence check of an answer embeds only its claims
/// (<see cref="ISourceSentenceVectors"/>, read from the sentence collection).
/// </remarks>
public sealed partial class CorpusIndex : ICorpusIndex, IPaperCatalog, ISourceSentenceVectors, IDisposable
{
    private readonly CorpusOptions _corpusOptions;
    private readonly RetrievalOptions _retrievalOptions;
    private readonly Microsoft.Extensions.VectorData.VectorStore _vectorStore;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _secondEmbeddingGenerator;
    private readonly CorpusLoader _loader;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _buildLock = new(1, 1);
    private volatile IndexSnapshot? _snapshot;
    private volatile EmbeddingProgress _embeddingProgress = EmbeddingProgress.None;
    private volatile CorpusVectors? _corpusVectors;
    private CorpusVectors? _secondVectors;
    private volatile EmbeddingState _secondDense;
    private volatile SecondDenseCount _secondCount = new(0, 0, false);
    private CancellationTokenSource? _embeddingCancellation;
    private Task? _embedding;
    private IReadOnlyList<string> _merges = [];
    private int _mergedPapers;
    private int _disposed;

    /// <summary>Creates the index; nothing is read until <see cref="BuildAsync"/>.</summary>
    /// <param name="corpusOptions">Where the corpus and the embedding cache are.</param>
    /// <param name="retrievalOptions">Passage sizes, embedding batch size, BM25 settings.</param>
    /// <param name="vectorStore">Holds the passage and sentence vectors (two collections per corpus and model, updated in place).</param>
    /// <param name="embeddingGenerator">Embeds passages; null = BM25 only.</param>
    /// <param name="tokenizer">Sizes passages in the embedding model's tokens; null = a conservative estimate.</param>
    /// <param name="loggerFactory">Receives build and embedding logs; null = no logging.</param>
    /// <param name="secondEmbeddingGenerator">
    /// The second dense retriever (<see cref="RetrievalOptions.SecondDenseWeight"/>): its passage vectors are embedded
    /// after the first embedder's passages and sentences, into a collection of their own; null = none.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="corpusOptions"/>, <paramref name="retrievalOptions"/> or <paramref name="vectorStore"/> is null.</exception>
    public CorpusIndex(
        IOptions<CorpusOptions> corpusOptions,
        IOptions<RetrievalOptions> retrievalOptions,
        Microsoft.Extensions.VectorData.VectorStore vectorStore,
        IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
        ITokenizer? tokenizer = null,
        ILoggerFactory? loggerFactory = null,
        IEmbeddingGenerator<string, Embedding<float>>? secondEmbeddingGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(corpusOptions);
        ArgumentNullException.ThrowIfNull(retrievalOptions);
        _corpusOptions = corpusOptions.Value;
        _retrievalOptions = retrievalOptions.Value;
        _vectorStore = vectorStore ?? throw new ArgumentNullException(nameof(vectorStore));
        _embeddingGenerator = embeddingGenerator;
        _secondEmbeddingGenerator = embeddingGenerator is null ? null : secondEmbeddingGenerator;
        loggerFactory ??= NullLoggerFactory.Instance;
        // A model server's failure is logged in its one line (ModelServerException), its trace at Debug.
        _logger = ReportedFailureLogDemotion.Of(loggerFactory.CreateLogger<CorpusIndex>());
        _loggerFactory = loggerFactory;
        var splitter = new PassageSplitter(tokenizer ?? ApproximateTokenizer.Instance, _retrievalOptions.PassageMaxTokens, _retrievalOptions.PassageOverlapTokens);
        _loader = new CorpusLoader(splitter, loggerFactory.CreateLogger<CorpusLoader>(), _corpusOptions, new PaperIdLedger(_corpusOptions.ResolveCacheFolder()));
    }

    /// <summary>
    /// The log category of the embedding cache's own warning (a save that failed), which every front end also shows
    /// as <see cref="EmbeddingProgress.CacheWarning"/>: the console filters it out of its log so it is said once.
    /// </summary>
    public const string CacheLogCategory = "RagAssistant.Core.Retrieval.EmbeddingCache";

    /// <inheritdoc/>
    public bool IsReady => _snapshot is not null;

    /// <summary>True when an embedding generator is configured (dense search may still be off if embedding failed).</summary>
    public bool HasEmbeddingGenerator => _embeddingGenerator is not null;

    /// <summary>
    /// True once hybrid search also ranks with the second dense retriever (<see cref="RetrievalOptions.SecondDenseWeight"/>):
    /// every passage has its second vector. False while it is off, still being embedded, or failed.
    /// </summary>
    public bool SecondDenseAvailable => _snapshot?.SecondVectors is not null;

    /// <summary>
    /// True once hybrid search also ranks by the token-level match (<see cref="RetrievalOptions.TokenMatchWeight"/>):
    /// every passage has its token vectors, made with the second dense retriever's. False while off, pending or failed.
    /// </summary>
    public bool TokenMatchAvailable => _snapshot?.Tokens is not null;

    /// <summary>The last build report (updated when background embedding finishes), or null before the first build.</summary>
    public IndexReport? LastReport { get; private set; }

    /// <inheritdoc/>
    public EmbeddingProgress Embedding
    {
        // The second dense retriever's state and count are kept apart: the first embedder's progress reports replace the rest.
        get
        {
            var (progress, state, (done, total, tokens)) = (_embeddingProgress, _secondDense, _secondCount);
            return progress.SecondDense == state && progress.SecondDenseDone == done && progress.SecondDenseTotal == total && progress.SecondDenseTokens == tokens
                ? progress
                : progress with { SecondDense = state, SecondDenseDone = done, SecondDenseTotal = total, SecondDenseTokens = tokens };
        }

        private set => _embeddingProgress = value;
    }

    /// <inheritdoc/>
    public int Count => _snapshot?.Papers.Count ?? 0;

    /// <inheritdoc/>
    public IReadOnlyList<Paper> Papers => _snapshot?.Papers ?? [];

    /// <summary>All passages, in paper order.</summary>
    public IReadOnlyList<Passage> Passages => _snapshot?.Passages ?? [];

    /// <inheritdoc/>
    public Paper? GetPaper(string id) => _snapshot?.GetPaper(id);

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetAsync(IEnumerable<string> sentences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var vectors = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        if (_corpusVectors?.Sentences is not { } collection)
        {
            return vectors;
        }

        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var sentence in sentences)
        {
            byId.TryAdd(EmbeddingCache.HashText(sentence), sentence);
        }

        await foreach (var record in collection.GetAsync(byId.Keys, new RecordRetrievalOptions { IncludeVectors = true }, cancellationToken).ConfigureAwait(false))
        {
            vectors[byId[record.Id]] = record.Vector;
        }

        return vectors;
    }

    /// <summary>The current build, or null before the first one.</summary>
    internal IndexSnapshot? Snapshot => _snapshot;

    /// <inheritdoc/>
    public async Task<IndexReport> BuildAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await _buildLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await BuildCoreAsync(progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _buildLock.Release();
        }
    }

    /// <summary>Builds the index unless a build has completed; concurrent callers share one build.</summary>
    /// <param name="cancellationToken">Stops waiting for, or running, the build.</param>
    /// <returns>A task that completes once BM25 is searchable.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task EnsureBuiltAsync(CancellationToken cancellationToken = default)
    {
        if (IsReady)
        {
            return;
        }

        await _buildLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsReady)
            {
                await BuildCoreAsync(null, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _buildLock.Release();
        }
    }

    private async Task<IndexReport> BuildCoreAsync(IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        // A new build supersedes the previous build's background embedding (its finished batches stay cached).
        await CancelEmbeddingAsync().ConfigureAwait(false);

        var stopwatch = Stopwatch.StartNew();
        var folder = _corpusOptions.ResolveFolder();
        progress?.Report(new IndexProgress("parsing", 0, 1));
        var corpus = await _loader.LoadAsync(folder, cancellationToken).ConfigureAwait(false);
        progress?.Report(new IndexProgress("parsing", 1, 1));
        var warnings = corpus.Warnings.Select(w => w.ToString()).ToList();
        _merges = CorpusMerge.Summarize(corpus.Merges);
        _mergedPapers = corpus.Merges.Count;

        progress?.Report(new IndexProgress("indexing", 0, corpus.Passages.Count));
        var titles = corpus.Papers.ToDictionary(p => p.Id, p => p.Title, StringComparer.Ordinal);
        var bm25 = new Bm25Index(corpus.Passages.Select(p => new Bm25Document(titles[p.PaperId], p.Text)).ToList(), _retrievalOptions.Bm25);
        progress?.Report(new IndexProgress("indexing", corpus.Passages.Count, corpus.Passages.Count));

        if (_embeddingGenerator is null)
        {
            _snapshot = new IndexSnapshot(corpus.Papers, corpus.Passages, bm25, null);
            LogBm25Only();
            return Complete(new IndexReport(corpus.Papers.Count, corpus.Passages.Count, 0, 0, warnings, false, stopwatch.Elapsed));
        }

        var (target, retired, cache) = VectorsFor(_embeddingGenerator, _corpusVectors, folder, warnings);
        var job = new PassageEmbeddingJob(corpus, _embeddingGenerator, target, cache, _retrievalOptions, _logger);
        if (job.CacheWarning is not null && cache.FolderProblem is { } problem)
        {
            // Once per build, for the service's log (the second embedder's job shares the folder, and the warning);
            // the console filters this category and shows EmbeddingProgress.CacheWarning instead.
            LogCacheFolderUnusable(_loggerFactory.CreateLogger(CacheLogCategory), Path.GetDirectoryName(cache.FilePath), problem);
        }

        var build = new EmbeddingBuild(corpus, bm25, warnings, stopwatch);
        _corpusVectors = target;
        var tokenPass = TokenMatchWanted && SecondDimensions is { } secondDimensions ? new PooledTokenPass(_secondEmbeddingGenerator, secondDimensions, () => LoadTokenCache(folder, secondDimensions), _retrievalOptions.EmbeddingCacheSaveInterval) : null;
        var (secondJob, secondRetired) = SecondJob(corpus, folder, warnings, tokenPass);
        _secondDense = secondJob is null ? EmbeddingState.None : EmbeddingState.Queued;
        if (job.Missing.Count == 0)
        {
            // Warm start: every vector is cached, so hybrid is there from the first question.
            var report = await CompleteAsync(job, build, cancellationToken).ConfigureAwait(false);
            await RetireAsync(retired, cancellationToken).ConfigureAwait(false);
            await RetireAsync(secondRetired, cancellationToken).ConfigureAwait(false);
            var tokensDone = true;
            if (report.DenseAvailable && secondJob is { Missing.Count: 0 })
            {
                await EmbedSecondAsync(secondJob, tokenPass, cancellationToken).ConfigureAwait(false);
                secondJob = null;
                tokensDone = await EmbedTokensAsync(embedMissing: false, tokenPass, cancellationToken).ConfigureAwait(false);
            }

            if (job.MissingSentences.Count > 0 || (report.DenseAvailable && (secondJob is not null || !tokensDone)))
            {
                _embeddingCancellation = new CancellationTokenSource();
                var token = _embeddingCancellation.Token;
                _embedding = Task.Run(
                    async () =>
                    {
                        await job.EmbedSentencesAsync(new SentenceProgressSink(this), token).ConfigureAwait(false);
                        await EmbedSecondAsync(secondJob, tokenPass, token).ConfigureAwait(false);
                        await EmbedTokensAsync(embedMissing: true, tokenPass, token).ConfigureAwait(false);
                    },
                    CancellationToken.None);
            }

            return report;
        }

        // Cold (or partly cold) start: BM25 now, vectors in the background.
        _snapshot = new IndexSnapshot(corpus.Papers, corpus.Passages, bm25, null);
        await RetireAsync(retired, cancellationToken).ConfigureAwait(false);
        await RetireAsync(secondRetired, cancellationToken).ConfigureAwait(false);
        Embedding = new EmbeddingProgress(EmbeddingState.Running, job.FromCache, job.Total, null, null, null) { CacheWarning = job.CacheWarning, SentencesDone = job.SentencesDone, SentencesTotal = job.SentencesTotal };
        _embeddingCancellation = new CancellationTokenSource();
        var background = _embeddingCancellation.Token;

        // Task.Run: the first batch must not run on the caller's thread, which goes on to answer questions.
        _embedding = Task.Run(
            async () =>
            {
                var report = await CompleteAsync(job, build, background).ConfigureAwait(false);
                if (report.DenseAvailable)
                {
                    await job.EmbedSentencesAsync(new SentenceProgressSink(this), background).ConfigureAwait(false);
                    await EmbedSecondAsync(secondJob, tokenPass, background).ConfigureAwait(false);
                    await EmbedTokensAsync(embedMissing: true, tokenPass, background).ConfigureAwait(false);
                }

                return report;
            },
            CancellationToken.None);
        return Complete(new IndexReport(corpus.Papers.Count, corpus.Passages.Count, 0, job.FromCache, warnings, false, stopwatch.Elapsed));
    }

    // Runs the job's passage step and publishes its outcome: a snapshot searching the passage collection, or, when
    // the model failed, a BM25-only one (what was embedded stays cached for the next build).
    private async Task<IndexReport> CompleteAsync(PassageEmbeddingJob job, EmbeddingBuild build, CancellationToken cancellationToken)
    {
        var (corpus, bm25, warnings, stopwatch) = build;
        try
        {
            var collection = await job.EmbedPassagesAsync(new ProgressSink(this, second: false), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            _snapshot = new IndexSnapshot(corpus.Papers, corpus.Passages, bm25, collection);
            Embedding = new EmbeddingProgress(EmbeddingState.Ready, job.Total, job.Total, Embedding.PassagesPerSecond, TimeSpan.Zero, null) { CacheWarning = job.CacheWarning, SentencesDone = job.SentencesDone, SentencesTotal = job.SentencesTotal };
            return Complete(new IndexReport(corpus.Papers.Count, corpus.Passages.Count, job.Missing.Count, job.FromCache, FinalWarnings(warnings, job), true, stopwatch.Elapsed));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A broken model must not take retrieval down: search with BM25 alone.
            LogEmbeddingFailed(ex, ex.Message);
            warnings.Add($"embedding failed ({ex.Message}); retrieval is BM25 only until the next build");
            _snapshot = new IndexSnapshot(corpus.Papers, corpus.Passages, bm25, null);
            _secondDense = EmbeddingState.None; // it needs the first embedder's vectors: it does not run
            Embedding = Embedding with { State = EmbeddingState.Failed, Error = ex.Message, CacheWarning = job.CacheWarning };
            return Complete(new IndexReport(corpus.Papers.Count, corpus.Passages.Count, 0, job.FromCache, FinalWarnings(warnings, job), false, stopwatch.Elapsed));
        }
    }

    // The second dense retriever's job for this build (passages only, its own collection and cache file), and its
    // previous collections when the corpus folder changed; nulls without a second embedder. With the token match, its
    // passages are embedded at token granularity (tokenPass): one model pass gives both vectors where the model can.
    private (PassageEmbeddingJob? Job, CorpusVectors? Retired) SecondJob(LoadedCorpus corpus, string folder, List<string> warnings, PooledTokenPass? tokenPass)
    {
        if (_secondEmbeddingGenerator is null)
        {
            return (null, null);
        }

        var (target, retired, cache) = VectorsFor(_secondEmbeddingGenerator, _secondVectors, folder, warnings);
        _secondVectors = target;
        return (new PassageEmbeddingJob(corpus, _secondEmbeddingGenerator, target, cache, _retrievalOptions, _logger, withSentences: false, tokenPass is null ? null : tokenPass.EmbedAsync), retired);
    }

    // One embedder's collections for this build (the current ones, or new ones when the corpus folder or the model
    // changed, the old then retired) and its loaded cache; a discarded cache becomes a build warning.
    private (CorpusVectors Target, CorpusVectors? Retired, EmbeddingCache Cache) VectorsFor(IEmbeddingGenerator<string, Embedding<float>> generator, CorpusVectors? previous, string folder, List<string> warnings)
    {
        var identity = EmbeddingInputType.ModelIdentity(generator);
        var key = CorpusVectors.KeyOf(identity, folder);
        var retired = previous is { } current && current.Key != key ? current : null;
        var target = retired is null && previous is { } same ? same : new CorpusVectors(_vectorStore, key);
        var dimensions = (generator.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata)?.DefaultModelDimensions;
        var cache = EmbeddingCache.Load(EmbeddingCache.PathFor(_corpusOptions.ResolveCacheFolder(), identity, folder), identity, dimensions, _loggerFactory.CreateLogger(CacheLogCategory));
        if (cache.DiscardReason is { } reason)
        {
            warnings.Add($"{cache.FilePath}: embedding cache discarded ({reason}); its passages are embedded again");
        }

        return (target, retired, cache);
    }

    // Embeds (or restores from its cache) the second dense retriever's passage vectors and adds them to the published
    // snapshot. A failure is logged and leaves the ranking to BM25 and the first embedder, as before the second existed.
    // Stopped either way, the token vectors its one pass made (tokenPass) are kept for the next start.
    private async Task EmbedSecondAsync(PassageEmbeddingJob? job, PooledTokenPass? tokenPass, CancellationToken cancellationToken)
    {
        if (job is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        _secondCount = new(job.FromCache, job.Total, false);
        _secondDense = EmbeddingState.Running;
        LogSecondEmbeddingStarted(job.Missing.Count, job.Total);
        try
        {
            var collection = await job.EmbedPassagesAsync(new ProgressSink(this, second: true), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (_snapshot is { Vectors: not null } current)
            {
                _snapshot = current.WithSecondVectors(collection);
                // With the token match, the second retriever is ready once its token vectors are too (EmbedTokensAsync).
                _secondDense = TokenMatchWanted ? EmbeddingState.Running : EmbeddingState.Ready;
                LogSecondEmbeddingReady(job.Total, job.Missing.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (Exception ex)
        {
            tokenPass?.Keep([]);

            // A model that fails while the build is being cancelled (shutting down) is the cancel, not a failure.
            if (ex is OperationCanceledException || cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            LogSecondEmbeddingFailed(ex, ex.Message);
            _secondDense = EmbeddingState.Failed;
        }
    }

    // True when this index ranks with the token-level match: a second embedder that says its vector length, and a weight.
    [MemberNotNullWhen(true, nameof(_secondEmbeddingGenerator))]
    private bool TokenMatchWanted => _retrievalOptions.TokenMatchWeight > 0 && _secondEmbeddingGenerator is not null && SecondDimensions is > 0;

    private int? SecondDimensions => (_secondEmbeddingGenerator?.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata)?.DefaultModelDimensions;

    // The second embedder's token vectors of every passage (Retrieval:TokenMatchWeight), once its passage vectors are
    // published: those its passage pass made (tokenPass), then those of their cache file, the rest embedded shortest
    // first in batches (unless embedMissing is false: a warm start takes what is cached at once and leaves the rest to
    // the background); then a snapshot ranking with them, and the cache saved. True when done, or when there is nothing to do: the match is off, the second
    // retriever is not ready, or the model makes no token vectors. A failure is logged and leaves the ranking
    // without the token match, as before it existed.
    private async Task<bool> EmbedTokensAsync(bool embedMissing, PooledTokenPass? tokenPass, CancellationToken cancellationToken)
    {
        if (!TokenMatchWanted || tokenPass is null || _snapshot is not { SecondVectors: not null } snapshot || SecondDimensions is not { } dimensions)
        {
            if (_secondDense == EmbeddingState.Running)
            {
                _secondDense = EmbeddingState.Ready;
            }

            return true;
        }

        var generator = _secondEmbeddingGenerator;
        var started = Stopwatch.GetTimestamp();
        var done = true;
        var passages = snapshot.Passages;
        var texts = passages.Select(p => EmbeddingText(snapshot.PaperOf(p).Title, p)).ToArray();
        var hashes = texts.Select(EmbeddingCache.HashText).ToArray();
        var tokens = new (Half[] Vectors, int[] Ids)[texts.Length];
        var identity = EmbeddingInputType.ModelIdentity(generator);
        var cache = tokenPass.Cache;
        IEnumerable<(string Hash, Half[] Vectors, int[] Ids)> made() =>
            Enumerable.Range(0, texts.Length).Where(i => tokens[i].Vectors is not null).Select(i => (hashes[i], tokens[i].Vectors, tokens[i].Ids));
        try
        {
            var fromPass = Enumerable.Range(0, texts.Length).Count(i => tokenPass.TryGet(hashes[i], out tokens[i]));
            var missing = Enumerable.Range(0, texts.Length).Where(i => tokens[i].Vectors is null && !cache.TryGet(hashes[i], out tokens[i])).OrderBy(i => texts[i].Length).ToArray();
            if (missing.Length > 0 && !embedMissing)
            {
                // The pass keeps its token vectors for the background's call, which embeds the rest.
                done = false;
                return false;
            }

            tokenPass.Clear();

            var tokensDone = texts.Length - missing.Length;
            _secondCount = new(tokensDone, texts.Length, true);
            foreach (var batch in missing.Chunk(Math.Max(1, _retrievalOptions.EmbeddingBatchSize)))
            {
                var embedded = await generator.GenerateAsync(batch.Select(i => texts[i]), TokenVectors.Options, cancellationToken).ConfigureAwait(false);
                if (embedded.Count != batch.Length || TokenVectors.Read(embedded[0], dimensions) is null)
                {
                    // A model that ignores the request makes pooled vectors: one batch tells, the rest is not asked.
                    LogNoTokens(identity);
                    return true;
                }

                for (var j = 0; j < batch.Length; j++)
                {
                    tokens[batch[j]] = TokenVectors.Compact(embedded[j], dimensions) ?? throw new InvalidOperationException($"The model made no token vectors for passage {passages[batch[j]].Id}.");
                }

                tokensDone += batch.Length;
                _secondCount = new(tokensDone, texts.Length, true);
                if (tokenPass.KeepDue)
                {
                    tokenPass.Keep(made());
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            var vectors = TokenVectors.Create(tokens, dimensions);
            if (_snapshot is { SecondVectors: not null } current && ReferenceEquals(current.Passages, passages))
            {
                // Token vectors are by ordinal: they join only the build whose passages they were made from.
                _snapshot = current.WithTokens(vectors);
                LogTokensReady(vectors.Tokens, passages.Count, missing.Length + fromPass, passages.Count - missing.Length - fromPass, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (missing.Length + fromPass > 0 || !File.Exists(cache.FilePath))
            {
                cache.Save([.. Enumerable.Range(0, texts.Length).DistinctBy(i => hashes[i]).Select(i => (hashes[i], tokens[i].Vectors, tokens[i].Ids))]);
            }
        }
        catch (Exception ex)
        {
            // Cancelled (a stopped `index`, shutting down) or failed: what this step has is kept for the next start.
            tokenPass.Keep(made());
            if (ex is OperationCanceledException || cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            LogTokensFailed(ex, ex.Message);
        }
        finally
        {
            if (done && _secondDense == EmbeddingState.Running && !cancellationToken.IsCancellationRequested)
            {
                _secondDense = EmbeddingState.Ready;
            }
        }

        return true;
    }

    // The second embedder's token cache file for a corpus folder.
    private TokenVectorCache LoadTokenCache(string corpusFolder, int dimensions)
    {
        var identity = EmbeddingInputType.ModelIdentity(_secondEmbeddingGenerator!);
        return TokenVectorCache.Load(TokenVectorCache.PathFor(_corpusOptions.ResolveCacheFolder(), identity, corpusFolder), identity, dimensions, _loggerFactory.CreateLogger(CacheLogCategory));
    }

    // The build's warnings, with the cache warning at the end when the cache could not be saved.
    private static List<string> FinalWarnings(List<string> warnings, PassageEmbeddingJob job) =>
        job.CacheWarning is { } warning ? [.. warnings, warning] : warnings;

    /// <inheritdoc/>
    public async Task<IndexReport> WaitForVectorsAsync(CancellationToken cancellationToken = default)
    {
        await EnsureBuiltAsync(cancellationToken).ConfigureAwait(false);
        if (_embedding is { } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return LastReport!;
    }

    private IndexReport Complete(IndexReport report)
    {
        report = report with { Merges = _merges, MergedPapers = _mergedPapers };
        LastReport = report;
        LogBuilt(report.Papers, report.Passages, report.Embedded, report.FromCache, report.DenseAvailable, report.Elapsed.TotalMilliseconds);
        return report;
    }

    private async Task CancelEmbeddingAsync()
    {
        if (_embedding is not { } running)
        {
            return;
        }

        await _embeddingCancellation!.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _embeddingCancellation.Dispose();
        _embeddingCancellation = null;
        _embedding = null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Registered under several service types, so the container may dispose it more than once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _embeddingCancellation?.Cancel();
        try
        {
            _embedding?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Cancelled or failed: already logged, the cache kept what was done.
        }

        _embeddingCancellation?.Dispose();
        _snapshot?.Bm25.Dispose();
        _buildLock.Dispose();
    }

    /// <summary>
    /// What the embedding model reads for a passage: its paper's title, a blank line, then the passage text. The title
    /// names the topic in words a question reuses (measured: dense paraphrase recall@10 0.80 without it, see README).
    /// </summary>
    /// <param name="title">The paper's title; blank = the passage text alone.</param>
    /// <param name="passage">The passage.</param>
    /// <returns>The text to embed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="passage"/> is null.</exception>
    public static string EmbeddingText(string title, Passage passage)
    {
        ArgumentNullException.ThrowIfNull(passage);
        return string.IsNullOrWhiteSpace(title) ? passage.Text : $"{title}\n\n{passage.Text}";
    }

    /// <summary>The sentences of <paramref name="passage"/> as answers quote them, the keys of its sentence vectors.</summary>
    internal static IReadOnlyList<string> SentencesOf(Passage passage) => SourceSentences.Split(CitationStreamParser.NeutralizeSourceMarkers(passage.Text));

    // The collections of another corpus folder or model are no one's once the new snapshot is published. Searches
    // that started on the old snapshot finish on its collection: give them a moment before dropping it.
    private static async Task RetireAsync(CorpusVectors? retired, CancellationToken cancellationToken)
    {
        if (retired is null)
        {
            return;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        await retired.DeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding cache folder {Folder} {Problem}: vectors are kept in memory only until Corpus:CacheFolder names a writable folder")]
    private static partial void LogCacheFolderUnusable(ILogger logger, string? folder, string problem);

    // Information, not Warning: the front ends already show this once as a start-up notice (console banner,
    // /api/status), and a warning repeated it above the banner at every start.
    [LoggerMessage(Level = LogLevel.Information, Message = "No embedding model is configured: retrieval runs BM25 only")]
    private partial void LogBm25Only();

    [LoggerMessage(Level = LogLevel.Error, Message = "Embedding failed ({Reason}); retrieval falls back to BM25 only")]
    private partial void LogEmbeddingFailed(Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Second dense retriever: embedding {Missing} of {Total} passages (the rest from its cache); hybrid search ranks without it until they are done")]
    private partial void LogSecondEmbeddingStarted(int missing, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Second dense retriever ready: {Total} passages ({Embedded} embedded) in {ElapsedMs:F0} ms; hybrid search ranks with both embedders")]
    private partial void LogSecondEmbeddingReady(int total, int embedded, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Token-level match ready: {Tokens} token vectors of {Passages} passages ({Embedded} embedded, {Cached} from the cache) in {ElapsedMs:F0} ms")]
    private partial void LogTokensReady(int tokens, int passages, int embedded, int cached, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "The second embedding model ({Model}) makes no token vectors: hybrid search ranks without the token-level match")]
    private partial void LogNoTokens(string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding the passages' tokens for the token-level match failed ({Reason}); hybrid search ranks without it")]
    private partial void LogTokensFailed(Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding the passages for the second dense retriever failed ({Reason}); hybrid search ranks with BM25 and the first embedder")]
    private partial void LogSecondEmbeddingFailed(Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index built in {ElapsedMs:F0} ms: papers {Papers}, passages {Passages}, embedded {Embedded}, from cache {FromCache}, dense {DenseAvailable}")]
    private partial void LogBuilt(int papers, int passages, int embedded, int fromCache, bool denseAvailable, double elapsedMs);

    /// <summary>What a build hands the embedding step: the corpus, its BM25 index, its warnings so far and its clock.</summary>
    private sealed record EmbeddingBuild(LoadedCorpus Corpus, Bm25Index Bm25, List<string> Warnings, Stopwatch Stopwatch);

    /// <summary>
    /// Publishes the job's sentence count into <see cref="Embedding"/>, on the job's thread, with the time left at the
    /// rate since the sink was made (when the sentence job starts), as the passages' own progress does.
    /// </summary>
    private sealed class SentenceProgressSink(CorpusIndex owner) : IProgress<int>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly int _startDone = owner.Embedding.SentencesDone;

        public void Report(int value)
        {
            var rate = (value - _startDone) / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
            var left = Math.Max(owner.Embedding.SentencesTotal - value, 0);
            owner.Embedding = owner.Embedding with { SentencesDone = value, SentencesEta = rate > 0 ? TimeSpan.FromSeconds(left / rate) : null };
        }
    }

    /// <summary>
    /// Publishes the job's progress as <see cref="Embedding"/>, on the job's thread; the second dense retriever's job
    /// publishes only its count (<see cref="EmbeddingProgress.SecondDenseDone"/>).
    /// </summary>
    private sealed class ProgressSink(CorpusIndex owner, bool second) : IProgress<EmbeddingProgress>
    {
        public void Report(EmbeddingProgress value)
        {
            if (second)
            {
                owner._secondCount = new(value.Done, value.Total, false);
            }
            else
            {
                owner.Embedding = value;
            }
        }
    }

    /// <summary>The second dense retriever's count: passages with its vector, or (<paramref name="Tokens"/>) with their token vectors.</summary>
    private sealed record SecondDenseCount(int Done, int Total, bool Tokens);
}
