using System.Collections.Concurrent;
using System.Diagnostics;
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
/// The sentences of every passage (as answers quote them, see <see cref="SourceSentences"/>) are embedded too, after
/// the passages and through the same cache file, so the evidence check of an answer embeds only its claims
/// (<see cref="ISourceSentenceVectors"/>).
/// </remarks>
public sealed partial class CorpusIndex : ICorpusIndex, IPaperCatalog, ISourceSentenceVectors, IDisposable
{
    private const string CollectionPrefix = "passages";

    private readonly CorpusOptions _corpusOptions;
    private readonly RetrievalOptions _retrievalOptions;
    private readonly Microsoft.Extensions.VectorData.VectorStore _vectorStore;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;
    private readonly CorpusLoader _loader;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _buildLock = new(1, 1);
    private volatile IndexSnapshot? _snapshot;
    private volatile EmbeddingProgress _embeddingProgress = EmbeddingProgress.None;
    private volatile ConcurrentDictionary<string, ReadOnlyMemory<float>> _sentenceVectors = new(StringComparer.Ordinal);
    private CancellationTokenSource? _embeddingCancellation;
    private Task? _embedding;
    private IReadOnlyList<string> _merges = [];
    private int _generation;
    private int _disposed;

    /// <summary>Creates the index; nothing is read until <see cref="BuildAsync"/>.</summary>
    /// <param name="corpusOptions">Where the corpus and the embedding cache are.</param>
    /// <param name="retrievalOptions">Passage sizes, embedding batch size, BM25 settings.</param>
    /// <param name="vectorStore">Holds the passage vectors (one collection per build).</param>
    /// <param name="embeddingGenerator">Embeds passages; null = BM25 only.</param>
    /// <param name="tokenizer">Sizes passages in the embedding model's tokens; null = a conservative estimate.</param>
    /// <param name="loggerFactory">Receives build and embedding logs; null = no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="corpusOptions"/>, <paramref name="retrievalOptions"/> or <paramref name="vectorStore"/> is null.</exception>
    public CorpusIndex(
        IOptions<CorpusOptions> corpusOptions,
        IOptions<RetrievalOptions> retrievalOptions,
        Microsoft.Extensions.VectorData.VectorStore vectorStore,
        IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
        ITokenizer? tokenizer = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(corpusOptions);
        ArgumentNullException.ThrowIfNull(retrievalOptions);
        _corpusOptions = corpusOptions.Value;
        _retrievalOptions = retrievalOptions.Value;
        _vectorStore = vectorStore ?? throw new ArgumentNullException(nameof(vectorStore));
        _embeddingGenerator = embeddingGenerator;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<CorpusIndex>();
        _loggerFactory = loggerFactory;
        var splitter = new PassageSplitter(tokenizer ?? ApproximateTokenizer.Instance, _retrievalOptions.PassageMaxTokens, _retrievalOptions.PassageOverlapTokens);
        _loader = new CorpusLoader(splitter, loggerFactory.CreateLogger<CorpusLoader>(), _corpusOptions);
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

    /// <summary>The last build report (updated when background embedding finishes), or null before the first build.</summary>
    public IndexReport? LastReport { get; private set; }

    /// <inheritdoc/>
    public EmbeddingProgress Embedding
    {
        get => _embeddingProgress;
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
    public bool TryGet(string sentence, out ReadOnlyMemory<float> vector) => _sentenceVectors.TryGetValue(sentence, out vector);

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
        _merges = [.. corpus.Merges.Select(m => m.ToString())];

        progress?.Report(new IndexProgress("indexing", 0, corpus.Passages.Count));
        var titles = corpus.Papers.ToDictionary(p => p.Id, p => p.Title, StringComparer.Ordinal);
        var bm25 = new Bm25Index(corpus.Passages.Select(p => new Bm25Document(titles[p.PaperId], p.Text)).ToList(), _retrievalOptions.Bm25);
        progress?.Report(new IndexProgress("indexing", corpus.Passages.Count, corpus.Passages.Count));

        var previous = _snapshot;
        if (_embeddingGenerator is null)
        {
            _snapshot = new IndexSnapshot(corpus.Papers, corpus.Passages, bm25, null, null);
            await RetireAsync(previous, cancellationToken).ConfigureAwait(false);
            LogBm25Only();
            return Complete(new IndexReport(corpus.Papers.Count, corpus.Passages.Count, 0, 0, warnings, false, stopwatch.Elapsed));
        }

        var job = new EmbeddingJob(this, _embeddingGenerator, folder, corpus, bm25, warnings, stopwatch);
        if (job.Missing.Count == 0)
        {
            // Warm start: every vector is cached, so hybrid is there from the first question.
            var report = await job.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await RetireAsync(previous, cancellationToken).ConfigureAwait(false);
            if (job.MissingSentences.Count > 0)
            {
                _embeddingCancellation = new CancellationTokenSource();
                var token = _embeddingCancellation.Token;
                _embedding = Task.Run(() => job.EmbedSentencesAsync(token), CancellationToken.None);
            }

            return report;
        }

        // Cold (or partly cold) start: BM25 now, vectors in the background.
        _snapshot = new IndexSnapshot(corpus.Papers, corpus.Passages, bm25, null, null);
        await RetireAsync(previous, cancellationToken).ConfigureAwait(false);
        _embeddingCancellation = new CancellationTokenSource();
        _embedding = job.Start(_embeddingCancellation.Token);
        return Complete(new IndexReport(corpus.Papers.Count, corpus.Passages.Count, 0, job.FromCache, warnings, false, stopwatch.Elapsed));
    }

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
        report = report with { Merges = _merges };
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

    private static async Task RetireAsync(IndexSnapshot? previous, CancellationToken cancellationToken)
    {
        if (previous is null)
        {
            return;
        }

        // Searches that started on the old snapshot finish on its collection; give them a moment before dropping it.
        // The old BM25 index is plain managed memory (RAMDirectory) and is left to the garbage collector.
        if (previous.Vectors is { } old)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            await old.EnsureCollectionDeletedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Information, not Warning: the front ends already show this once as a start-up notice (console banner,
    // /api/status), and a warning repeated it above the banner at every start.
    [LoggerMessage(Level = LogLevel.Information, Message = "No embedding model is configured: retrieval runs BM25 only")]
    private partial void LogBm25Only();

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded {Done}/{Total} passages")]
    private partial void LogEmbedded(int done, int total);

    [LoggerMessage(Level = LogLevel.Error, Message = "Embedding failed ({Reason}); retrieval falls back to BM25 only")]
    private partial void LogEmbeddingFailed(Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding the source sentences failed ({Reason}); the evidence check embeds those it needs")]
    private partial void LogSentenceEmbeddingFailed(Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index built in {ElapsedMs:F0} ms: papers {Papers}, passages {Passages}, embedded {Embedded}, from cache {FromCache}, dense {DenseAvailable}")]
    private partial void LogBuilt(int papers, int passages, int embedded, int fromCache, bool denseAvailable, double elapsedMs);

    /// <summary>
    /// Embeds one build's missing passages in batches, saving the cache as it goes (each save is atomic, so an
    /// interrupted run keeps every batch saved before it and never leaves a half-written file), then publishes a
    /// snapshot with the vectors, unless a newer build has replaced this one meanwhile.
    /// </summary>
    private sealed class EmbeddingJob
    {
        private readonly CorpusIndex _owner;
        private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
        private readonly LoadedCorpus _corpus;
        private readonly Bm25Index _bm25;
        private readonly List<string> _warnings;
        private readonly Stopwatch _stopwatch;
        private readonly EmbeddingCache _cache;
        private readonly string[] _texts;
        private readonly ReadOnlyMemory<float>[] _vectors;
        private readonly int? _dimensions;
        private string? _cacheWarning;
        private readonly ConcurrentDictionary<string, ReadOnlyMemory<float>> _sentenceVectors = new(StringComparer.Ordinal);

        public EmbeddingJob(CorpusIndex owner, IEmbeddingGenerator<string, Embedding<float>> generator, string corpusFolder, LoadedCorpus corpus, Bm25Index bm25, List<string> warnings, Stopwatch stopwatch)
        {
            _owner = owner;
            _generator = generator;
            _corpus = corpus;
            _bm25 = bm25;
            _warnings = warnings;
            _stopwatch = stopwatch;
            var identity = EmbeddingInputType.ModelIdentity(generator);
            _dimensions = (generator.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata)?.DefaultModelDimensions;
            _cache = EmbeddingCache.Load(EmbeddingCache.PathFor(owner._corpusOptions.ResolveCacheFolder(), identity, corpusFolder), identity, _dimensions, owner._loggerFactory.CreateLogger(CacheLogCategory));
            if (_cache.DiscardReason is { } reason)
            {
                warnings.Add($"{_cache.FilePath}: embedding cache discarded ({reason}); its passages are embedded again");
            }

            var titles = corpus.Papers.ToDictionary(p => p.Id, p => p.Title, StringComparer.Ordinal);
            _texts = corpus.Passages.Select(p => EmbeddingText(titles[p.PaperId], p)).ToArray();
            _vectors = new ReadOnlyMemory<float>[corpus.Passages.Count];
            for (var i = 0; i < _texts.Length; i++)
            {
                if (_cache.TryGet(_texts[i], out var cached))
                {
                    _vectors[i] = cached;
                }
                else
                {
                    Missing.Add(i);
                }
            }

            FromCache = _texts.Length - Missing.Count;

            // Every sentence is looked up now, so a save during the passages keeps the cached sentence vectors.
            foreach (var sentence in corpus.Passages.SelectMany(SentencesOf).Distinct(StringComparer.Ordinal))
            {
                if (_cache.TryGet(sentence, out var cached))
                {
                    _sentenceVectors[sentence] = cached;
                }
                else
                {
                    MissingSentences.Add(sentence);
                }
            }

            MissingSentences.Sort((a, b) => a.Length.CompareTo(b.Length));
            SentencesTotal = _sentenceVectors.Count + MissingSentences.Count;
            owner._sentenceVectors = _sentenceVectors;

            // Similar lengths in one request: the model pads a batch to its longest text, so mixed lengths waste work.
            Missing.Sort((a, b) => _texts[a].Length.CompareTo(_texts[b].Length));
        }

        public List<int> Missing { get; } = [];

        public List<string> MissingSentences { get; } = [];

        public int FromCache { get; }

        public int SentencesTotal { get; }

        public Task<IndexReport> Start(CancellationToken cancellationToken)
        {
            _owner.Embedding = new EmbeddingProgress(EmbeddingState.Running, FromCache, _texts.Length, null, null, null) { SentencesDone = _sentenceVectors.Count, SentencesTotal = SentencesTotal };

            // Task.Run: the first batch must not run on the caller's thread, which goes on to answer questions.
            return Task.Run(
                async () =>
                {
                    var report = await CompleteAsync(cancellationToken).ConfigureAwait(false);
                    if (report.DenseAvailable)
                    {
                        await EmbedSentencesAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return report;
                },
                CancellationToken.None);
        }

        /// <summary>
        /// Embeds the sentences the cache lacks, after the passages (search needs those first), and saves them with
        /// them. A failure only leaves the evidence check to embed the sentences it needs itself.
        /// </summary>
        public async Task EmbedSentencesAsync(CancellationToken cancellationToken)
        {
            var options = EmbeddingInputType.Options(EmbeddingInputType.Document);
            var batchSize = _owner._retrievalOptions.EmbeddingBatchSize;
            var lastSave = Stopwatch.StartNew();
            try
            {
                for (var start = 0; start < MissingSentences.Count; start += batchSize)
                {
                    var batch = MissingSentences.Skip(start).Take(batchSize).ToList();
                    var embeddings = await _generator.GenerateAsync(batch, options, cancellationToken).ConfigureAwait(false);
                    for (var j = 0; j < batch.Count && j < embeddings.Count; j++)
                    {
                        _sentenceVectors[batch[j]] = embeddings[j].Vector;
                        _cache.Set(batch[j], embeddings[j].Vector.Span);
                    }

                    _owner.Embedding = _owner.Embedding with { SentencesDone = _sentenceVectors.Count };

                    if (lastSave.Elapsed >= _owner._retrievalOptions.EmbeddingCacheSaveInterval)
                    {
                        SaveCache();
                        lastSave.Restart();
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _owner.LogSentenceEmbeddingFailed(ex, ex.Message);
            }
            finally
            {
                SaveCache();
            }
        }

        public async Task<IndexReport> CompleteAsync(CancellationToken cancellationToken)
        {
            var options = EmbeddingInputType.Options(EmbeddingInputType.Document);
            var batchSize = _owner._retrievalOptions.EmbeddingBatchSize;
            var embedding = Stopwatch.StartNew();
            var lastSave = embedding.Elapsed;
            try
            {
                for (var start = 0; start < Missing.Count; start += batchSize)
                {
                    var batch = Missing.Skip(start).Take(batchSize).ToList();
                    var embeddings = await _generator.GenerateAsync(batch.Select(i => _texts[i]), options, cancellationToken).ConfigureAwait(false);
                    if (embeddings.Count != batch.Count)
                    {
                        throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} vectors for {batch.Count} texts.");
                    }

                    for (var j = 0; j < batch.Count; j++)
                    {
                        // The cache's own check: a model that returns NaN must not reach the vector store (or the cache).
                        if (EmbeddingCache.VectorProblem(embeddings[j].Vector.Span, _dimensions) is { } problem)
                        {
                            throw new InvalidOperationException($"The embedding model returned {problem}.");
                        }

                        _vectors[batch[j]] = embeddings[j].Vector;
                        _cache.Set(_texts[batch[j]], embeddings[j].Vector.Span);
                    }

                    var embedded = start + batch.Count;
                    var rate = embedded / Math.Max(embedding.Elapsed.TotalSeconds, 1e-3);
                    _owner.Embedding = new EmbeddingProgress(EmbeddingState.Running, FromCache + embedded, _texts.Length, rate, TimeSpan.FromSeconds((Missing.Count - embedded) / rate), null) { CacheWarning = _cacheWarning, SentencesDone = _sentenceVectors.Count, SentencesTotal = SentencesTotal };
                    _owner.LogEmbedded(FromCache + embedded, _texts.Length);
                    if (embedding.Elapsed - lastSave >= _owner._retrievalOptions.EmbeddingCacheSaveInterval)
                    {
                        SaveCache();
                        lastSave = embedding.Elapsed;
                    }
                }

                if (Missing.Count > 0 || _cache.Count != _texts.Length)
                {
                    SaveCache();
                }

                var dimensions = _vectors.Length > 0 ? _vectors[0].Length : 0;
                if (_vectors.Any(v => v.Length != dimensions || v.Length == 0))
                {
                    throw new InvalidOperationException("The embedding generator returned vectors of differing or zero length.");
                }

                var name = $"{CollectionPrefix}-{Interlocked.Increment(ref _owner._generation)}";
                var collection = _owner._vectorStore.GetCollection<string, PassageVectorRecord>(name, PassageVectorRecord.CreateDefinition(Math.Max(dimensions, 1)));
                await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
                var paperById = _corpus.Papers.ToDictionary(p => p.Id, StringComparer.Ordinal);
                await collection.UpsertAsync(_corpus.Passages.Select((p, i) => PassageVectorRecord.Create(paperById[p.PaperId], p, _vectors[i])), cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                _owner._snapshot = new IndexSnapshot(_corpus.Papers, _corpus.Passages, _bm25, collection, _vectors);
                _owner.Embedding = new EmbeddingProgress(EmbeddingState.Ready, _texts.Length, _texts.Length, _owner.Embedding.PassagesPerSecond, TimeSpan.Zero, null) { CacheWarning = _cacheWarning, SentencesDone = _sentenceVectors.Count, SentencesTotal = SentencesTotal };
                return _owner.Complete(new IndexReport(_corpus.Papers.Count, _corpus.Passages.Count, Missing.Count, FromCache, FinalWarnings(), true, _stopwatch.Elapsed));
            }
            catch (OperationCanceledException)
            {
                // Superseded or shutting down: keep what was embedded for the next start.
                SaveCache();
                throw;
            }
            catch (Exception ex)
            {
                // A broken model must not take retrieval down: keep what was embedded, search with BM25 alone.
                SaveCache();
                _owner.LogEmbeddingFailed(ex, ex.Message);
                _warnings.Add($"embedding failed ({ex.Message}); retrieval is BM25 only until the next build");
                _owner._snapshot = new IndexSnapshot(_corpus.Papers, _corpus.Passages, _bm25, null, null);
                _owner.Embedding = _owner.Embedding with { State = EmbeddingState.Failed, Error = ex.Message };
                return _owner.Complete(new IndexReport(_corpus.Papers.Count, _corpus.Passages.Count, 0, FromCache, FinalWarnings(), false, _stopwatch.Elapsed));
            }
        }

        // Saves the cache; the first failure becomes the build's one cache warning (the cache logs it once too).
        private void SaveCache()
        {
            if (_cache.Save() || _cacheWarning is not null || _cache.SaveError is not { } error)
            {
                return;
            }

            _cacheWarning = $"{_cache.FilePath}: embedding cache cannot be saved ({error}); answers work, but the next start embeds every passage again. Make {Path.GetDirectoryName(_cache.FilePath)} writable, or set {CorpusOptions.SectionName}:{nameof(CorpusOptions.CacheFolder)}";
            _owner.Embedding = _owner.Embedding with { CacheWarning = _cacheWarning };
        }

        // The build's warnings, with the cache warning at the end when the cache could not be saved.
        private List<string> FinalWarnings() => _cacheWarning is null ? _warnings : [.. _warnings, _cacheWarning];
    }
}
