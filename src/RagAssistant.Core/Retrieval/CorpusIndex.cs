using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel.Data;
using RagAssistant.Core.Corpus;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Parses the corpus folder, embeds every passage (through the on-disk cache) into the vector store and builds the
/// BM25 index. Without an embedding generator, or when embedding fails, the index is BM25 only and says so.
/// Builds are serialised; searches keep using the previous build until the new one is complete.
/// </summary>
public sealed partial class CorpusIndex : ICorpusIndex, IPaperCatalog, IDisposable
{
    private const string CollectionPrefix = "passages";

    private readonly CorpusOptions _corpusOptions;
    private readonly RetrievalOptions _retrievalOptions;
    private readonly Microsoft.Extensions.VectorData.VectorStore _vectorStore;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;
    private readonly CorpusLoader _loader;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _buildLock = new(1, 1);
    private volatile IndexSnapshot? _snapshot;
    private int _generation;

    /// <summary>Creates the index; nothing is read until <see cref="BuildAsync"/>.</summary>
    public CorpusIndex(
        IOptions<CorpusOptions> corpusOptions,
        IOptions<RetrievalOptions> retrievalOptions,
        Microsoft.Extensions.VectorData.VectorStore vectorStore,
        IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
        ITokenCounter? tokenCounter = null,
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
        var splitter = new PassageSplitter(tokenCounter ?? ApproximateTokenCounter.Instance, _retrievalOptions.PassageMaxTokens, _retrievalOptions.PassageOverlapTokens);
        _loader = new CorpusLoader(splitter, loggerFactory.CreateLogger<CorpusLoader>());
    }

    /// <inheritdoc/>
    public bool IsReady => _snapshot is not null;

    /// <summary>True when an embedding generator is configured (dense search may still be off if embedding failed).</summary>
    public bool HasEmbeddingGenerator => _embeddingGenerator is not null;

    /// <summary>The last report of <see cref="BuildAsync"/>, or null before the first build.</summary>
    public IndexReport? LastReport { get; private set; }

    /// <inheritdoc/>
    public int Count => _snapshot?.Papers.Count ?? 0;

    /// <inheritdoc/>
    public IReadOnlyList<Paper> Papers => _snapshot?.Papers ?? [];

    /// <summary>All passages, in paper order.</summary>
    public IReadOnlyList<Passage> Passages => _snapshot?.Passages ?? [];

    /// <inheritdoc/>
    public Paper? GetPaper(string id) => _snapshot?.GetPaper(id);

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
        var stopwatch = Stopwatch.StartNew();
        var folder = _corpusOptions.ResolveFolder();
        progress?.Report(new IndexProgress("parsing", 0, 1));
        var corpus = await _loader.LoadAsync(folder, cancellationToken).ConfigureAwait(false);
        progress?.Report(new IndexProgress("parsing", 1, 1));
        var warnings = corpus.Warnings.Select(w => w.ToString()).ToList();

        var dense = _embeddingGenerator is null
            ? null
            : await EmbedAsync(_embeddingGenerator, corpus, warnings, progress, cancellationToken).ConfigureAwait(false);

        progress?.Report(new IndexProgress("indexing", 0, corpus.Passages.Count));
        var titles = corpus.Papers.ToDictionary(p => p.Id, p => p.Title, StringComparer.Ordinal);
        var bm25 = new Bm25Index(corpus.Passages.Select(p => new Bm25Document(titles[p.PaperId], p.Text)).ToList(), _retrievalOptions.Bm25);
        progress?.Report(new IndexProgress("indexing", corpus.Passages.Count, corpus.Passages.Count));

        var previous = _snapshot;
        _snapshot = new IndexSnapshot(corpus.Papers, corpus.Passages, bm25, dense?.Collection, dense?.Vectors);
        await RetireAsync(previous, cancellationToken).ConfigureAwait(false);

        if (_embeddingGenerator is null)
        {
            LogBm25Only();
        }

        var report = new IndexReport(corpus.Papers.Count, corpus.Passages.Count, dense?.Embedded ?? 0, dense?.FromCache ?? 0, warnings, dense is not null, stopwatch.Elapsed)
        {
            Merges = [.. corpus.Merges.Select(m => m.ToString())],
        };
        LastReport = report;
        LogBuilt(report.Papers, report.Passages, report.Embedded, report.FromCache, report.DenseAvailable, stopwatch.Elapsed.TotalMilliseconds);
        return report;
    }

    /// <summary>
    /// Semantic Kernel text search over the current build's passage vectors (record text as the value, paper title
    /// as the name, paper id as the link), for SK plugins and agents; null when dense search is unavailable.
    /// It is bound to the current build: create it again after <see cref="BuildAsync"/>.
    /// </summary>
    public VectorStoreTextSearch<PassageVectorRecord>? CreateTextSearch()
    {
        if (_snapshot?.Vectors is not { } vectors || _embeddingGenerator is null)
        {
            return null;
        }

        return new VectorStoreTextSearch<PassageVectorRecord>(vectors, new QueryEmbeddingGenerator(_embeddingGenerator), new PassageTextMapper(), new PassageTextMapper());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _snapshot?.Bm25.Dispose();
        _buildLock.Dispose();
    }

    private async Task<DenseBuild?> EmbedAsync(
        IEmbeddingGenerator<string, Embedding<float>> generator,
        LoadedCorpus corpus,
        List<string> warnings,
        IProgress<IndexProgress>? progress,
        CancellationToken cancellationToken)
    {
        var identity = EmbeddingInputType.ModelIdentity(generator);
        var cache = EmbeddingCache.Load(EmbeddingCache.PathFor(_corpusOptions.ResolveCacheFolder(), identity), identity, _logger);
        if (cache.DiscardReason is { } reason)
        {
            warnings.Add($"{cache.FilePath}: embedding cache discarded ({reason}); rebuilt");
        }

        var vectors = new ReadOnlyMemory<float>[corpus.Passages.Count];
        var missing = new List<int>();
        for (var i = 0; i < corpus.Passages.Count; i++)
        {
            if (cache.TryGet(corpus.Passages[i].Text, out var cached))
            {
                vectors[i] = cached;
            }
            else
            {
                missing.Add(i);
            }
        }

        try
        {
            var options = EmbeddingInputType.Options(EmbeddingInputType.Document);
            progress?.Report(new IndexProgress("embedding", 0, missing.Count));
            for (var start = 0; start < missing.Count; start += _retrievalOptions.EmbeddingBatchSize)
            {
                var batch = missing.Skip(start).Take(_retrievalOptions.EmbeddingBatchSize).ToList();
                var embeddings = await generator.GenerateAsync(batch.Select(i => corpus.Passages[i].Text), options, cancellationToken).ConfigureAwait(false);
                if (embeddings.Count != batch.Count)
                {
                    throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} vectors for {batch.Count} texts.");
                }

                for (var j = 0; j < batch.Count; j++)
                {
                    vectors[batch[j]] = embeddings[j].Vector;
                    cache.Set(corpus.Passages[batch[j]].Text, embeddings[j].Vector.Span);
                }

                var done = Math.Min(start + batch.Count, missing.Count);
                progress?.Report(new IndexProgress("embedding", done, missing.Count));
                LogEmbedded(done, missing.Count);
            }

            if (missing.Count > 0 || cache.Count != corpus.Passages.Count)
            {
                cache.Save();
            }

            var dimensions = vectors.Length > 0 ? vectors[0].Length : 0;
            if (vectors.Any(v => v.Length != dimensions || v.Length == 0))
            {
                throw new InvalidOperationException("The embedding generator returned vectors of differing or zero length.");
            }

            var name = $"{CollectionPrefix}-{Interlocked.Increment(ref _generation)}";
            var collection = _vectorStore.GetCollection<string, PassageVectorRecord>(name, PassageVectorRecord.CreateDefinition(Math.Max(dimensions, 1)));
            await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
            var paperById = corpus.Papers.ToDictionary(p => p.Id, StringComparer.Ordinal);
            await collection.UpsertAsync(corpus.Passages.Select((p, i) => PassageVectorRecord.Create(paperById[p.PaperId], p, vectors[i])), cancellationToken).ConfigureAwait(false);
            return new DenseBuild(collection, vectors, missing.Count, corpus.Passages.Count - missing.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A broken model must not take retrieval down: keep what was embedded, search with BM25 alone.
            cache.Save();
            LogEmbeddingFailed(ex, ex.Message);
            warnings.Add($"embedding failed ({ex.Message}); retrieval is BM25 only until the next build");
            return null;
        }
    }

    private async Task RetireAsync(IndexSnapshot? previous, CancellationToken cancellationToken)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Index built: {Papers} papers, {Passages} passages, {Embedded} embedded, {FromCache} from cache, dense {DenseAvailable}, {ElapsedMs:F0} ms")]
    private partial void LogBuilt(int papers, int passages, int embedded, int fromCache, bool denseAvailable, double elapsedMs);

    private sealed class PassageTextMapper : ITextSearchStringMapper, ITextSearchResultMapper
    {
        public string MapFromResultToString(object result) => ((PassageVectorRecord)result).Text;

        public TextSearchResult MapFromResultToTextSearchResult(object result)
        {
            var record = (PassageVectorRecord)result;
            return new TextSearchResult(record.Text) { Name = record.Title, Link = record.PaperId };
        }
    }

    private sealed record DenseBuild(VectorStoreCollection<string, PassageVectorRecord> Collection, ReadOnlyMemory<float>[] Vectors, int Embedded, int FromCache);
}
