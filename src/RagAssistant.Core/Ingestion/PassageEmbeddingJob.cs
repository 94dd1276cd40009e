using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Brings one corpus's vectors into its <see cref="CorpusVectors"/> collections, in place: passages and source
/// sentences whose records are current are left alone; the others take their vector from the embedding cache or, when
/// it has none, from the embedding model in batches of similar length (the model pads a batch to its longest text);
/// records of passages no longer in the corpus are deleted. The cache is saved as it goes (each save atomic, so an
/// interrupted run keeps every batch saved before it). The job holds no vector beyond the batch it writes: the
/// collections are their one home in memory, and the cache's copy goes with the job.
/// </summary>
/// <remarks>
/// Contract: construct (looks everything up in the cache), then <see cref="EmbedPassagesAsync"/> once, then, when
/// that succeeded, <see cref="EmbedSentencesAsync"/> once. It writes only to the collections and the cache, and tells
/// its progress through the <see cref="IProgress{T}"/> it is given; publishing a snapshot is its caller's job.
/// </remarks>
internal sealed partial class PassageEmbeddingJob
{
    private readonly LoadedCorpus _corpus;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly CorpusVectors _target;
    private readonly EmbeddingCache _cache;
    private readonly RetrievalOptions _options;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyList<Embedding<float>>>>? _embedPassages;
    private readonly Dictionary<string, Paper> _paperById;
    private readonly string[] _texts;
    private readonly UInt128[] _fingerprints;
    private readonly List<(int Ordinal, float[] Vector)> _cachedPassages = [];
    private readonly List<(string Id, float[] Vector)> _cachedSentences = [];
    private readonly HashSet<string> _sentenceIds = new(StringComparer.Ordinal);
    private readonly int? _dimensions;
    private readonly string _model;
    private IProgress<EmbeddingProgress>? _progress;
    private EmbeddingProgress _lastProgress;
    private int _sentencesEmbedded;

    /// <summary>Looks every passage and sentence of <paramref name="corpus"/> up in the collections' ledgers and the cache.</summary>
    /// <param name="corpus">The corpus to embed.</param>
    /// <param name="generator">Embeds what the cache lacks.</param>
    /// <param name="target">The collections to update in place.</param>
    /// <param name="cache">The embedding cache of this corpus and model, loaded.</param>
    /// <param name="options">Batch size and cache save interval.</param>
    /// <param name="logger">Receives progress and failures.</param>
    /// <param name="withSentences">False = passages only (the second dense retriever's job: the sentences are the first embedder's).</param>
    /// <param name="embedPassages">
    /// Embeds a batch of passage texts, one vector each in order, instead of asking <paramref name="generator"/> for
    /// document embeddings (the second dense retriever's one pass with its token vectors, <see cref="PooledTokenPass"/>); null = the generator.
    /// </param>
    public PassageEmbeddingJob(
        LoadedCorpus corpus,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        CorpusVectors target,
        EmbeddingCache cache,
        RetrievalOptions options,
        ILogger logger,
        bool withSentences = true,
        Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyList<Embedding<float>>>>? embedPassages = null)
    {
        _embedPassages = embedPassages;
        _corpus = corpus;
        _generator = generator;
        _target = target;
        _cache = cache;
        _options = options;
        _logger = logger;
        var metadata = generator.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata;
        _dimensions = metadata?.DefaultModelDimensions;
        _model = metadata?.DefaultModelId ?? "embedding model";
        _paperById = corpus.Papers.ToDictionary(p => p.Id, StringComparer.Ordinal);
        _texts = corpus.Passages.Select(p => CorpusIndex.EmbeddingText(_paperById[p.PaperId].Title, p)).ToArray();
        _fingerprints = corpus.Passages.Select(p => PassageVectorRecord.Fingerprint(_paperById[p.PaperId], p)).ToArray();
        for (var i = 0; i < _texts.Length; i++)
        {
            // Looked up even when the record is current: the cache keeps only what a build used.
            if (!cache.TryGet(_texts[i], out var cached))
            {
                Missing.Add(i);
            }
            else if (!target.StoredPassages.TryGetValue(corpus.Passages[i].Id, out var stored) || stored != _fingerprints[i])
            {
                _cachedPassages.Add((i, cached));
            }
        }

        FromCache = _texts.Length - Missing.Count;
        var sentences = withSentences ? corpus.Passages.SelectMany(p => SourceSentences.Split(CitationStreamParser.NeutralizeSourceMarkers(p.Text))) : [];
        foreach (var sentence in sentences.Distinct(StringComparer.Ordinal))
        {
            var id = EmbeddingCache.HashText(sentence);
            _sentenceIds.Add(id);
            if (!cache.TryGet(sentence, out var cached))
            {
                MissingSentences.Add(sentence);
            }
            else if (!target.StoredSentences.Contains(id))
            {
                _cachedSentences.Add((id, cached));
            }
        }

        // An unusable cache folder is said when the build starts, not after the first save fails seconds of embedding later.
        if (cache.FolderProblem is { } problem && (Missing.Count > 0 || MissingSentences.Count > 0))
        {
            CacheWarning = $"{Path.GetDirectoryName(cache.FilePath)}: embedding cache folder {problem}; vectors are kept in memory only, lost at exit, and the next start embeds every passage again. Set {CorpusOptions.SectionName}:{nameof(CorpusOptions.CacheFolder)} to a writable folder";
        }

        MissingSentences.Sort((a, b) => a.Length.CompareTo(b.Length));
        Missing.Sort((a, b) => _texts[a].Length.CompareTo(_texts[b].Length));
        _lastProgress = new EmbeddingProgress(EmbeddingState.Running, FromCache, _texts.Length, null, null, null) { CacheWarning = CacheWarning, SentencesDone = SentencesDone, SentencesTotal = SentencesTotal };
    }

    /// <summary>Passages the cache has no vector for (their ordinals), shortest text first.</summary>
    public List<int> Missing { get; } = [];

    /// <summary>Sentences the cache has no vector for, shortest first.</summary>
    public List<string> MissingSentences { get; } = [];

    /// <summary>Passages whose vector the cache holds.</summary>
    public int FromCache { get; }

    /// <summary>Distinct source sentences in the corpus.</summary>
    public int SentencesTotal => _sentenceIds.Count;

    /// <summary>Source sentences with a vector (cached or embedded so far).</summary>
    public int SentencesDone => SentencesTotal - MissingSentences.Count + Volatile.Read(ref _sentencesEmbedded);

    /// <summary>Passages in the corpus.</summary>
    public int Total => _texts.Length;

    /// <summary>
    /// Why the cache is not kept, worded for the user: an unusable cache folder (known from the start) or the first
    /// failed save; null while every save succeeded.
    /// </summary>
    public string? CacheWarning { get; private set; }

    /// <summary>
    /// Stores the cached vectors of changed sentences and passages, embeds the missing passages, deletes the records
    /// of removed ones and saves the cache. Reports <see cref="EmbeddingState.Running"/> progress after each batch.
    /// </summary>
    /// <param name="progress">Receives progress; the caller reports the final state.</param>
    /// <param name="cancellationToken">Stops between batches; what was embedded stays cached.</param>
    /// <returns>The passage collection, holding a vector for every passage of the corpus.</returns>
    /// <exception cref="InvalidOperationException">The model returned a wrong number of vectors, or an unusable vector (<see cref="EmbeddingCache.VectorProblem"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<Microsoft.Extensions.VectorData.VectorStoreCollection<string, PassageVectorRecord>> EmbedPassagesAsync(IProgress<EmbeddingProgress> progress, CancellationToken cancellationToken)
    {
        var embedding = Stopwatch.StartNew();
        var lastSave = embedding.Elapsed;
        try
        {
            _progress = progress;
            await StoreCachedSentencesAsync(cancellationToken).ConfigureAwait(false);
            var batchSize = _options.EmbeddingBatchSize;
            foreach (var chunk in _cachedPassages.Chunk(Math.Max(batchSize, 256)))
            {
                await UpsertPassagesAsync(chunk, cancellationToken).ConfigureAwait(false);
            }

            _cachedPassages.Clear();
            var options = EmbeddingInputType.Options(EmbeddingInputType.Document);
            for (var start = 0; start < Missing.Count; start += batchSize)
            {
                var batch = Missing.Skip(start).Take(batchSize).ToList();
                var texts = batch.ConvertAll(i => _texts[i]);
                var embeddings = _embedPassages is null
                    ? await _generator.GenerateAsync(texts, options, cancellationToken).ConfigureAwait(false)
                    : await _embedPassages(texts, cancellationToken).ConfigureAwait(false);
                if (embeddings.Count != batch.Count)
                {
                    throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} vectors for {batch.Count} texts.");
                }

                var vectors = new (int Ordinal, float[] Vector)[batch.Count];
                for (var j = 0; j < batch.Count; j++)
                {
                    // The cache's own check: a model that returns NaN must not reach the vector store (or the cache).
                    if (EmbeddingCache.VectorProblem(embeddings[j].Vector.Span, _dimensions) is { } problem)
                    {
                        throw new InvalidOperationException($"The embedding model returned {problem}.");
                    }

                    vectors[j] = (batch[j], embeddings[j].Vector.ToArray());
                }

                await UpsertPassagesAsync(vectors, cancellationToken).ConfigureAwait(false);
                foreach (var (ordinal, vector) in vectors)
                {
                    _cache.Set(_texts[ordinal], vector);
                }

                var embedded = start + batch.Count;
                var rate = embedded / Math.Max(embedding.Elapsed.TotalSeconds, 1e-3);
                _lastProgress = new EmbeddingProgress(EmbeddingState.Running, FromCache + embedded, Total, rate, TimeSpan.FromSeconds((Missing.Count - embedded) / rate), null) { CacheWarning = CacheWarning, SentencesDone = SentencesDone, SentencesTotal = SentencesTotal };
                progress.Report(_lastProgress);
                LogEmbedded(FromCache + embedded, Total, _model);
                if (embedding.Elapsed - lastSave >= _options.EmbeddingCacheSaveInterval)
                {
                    SaveCache();
                    lastSave = embedding.Elapsed;
                }
            }

            if (Missing.Count > 0 || _cache.Count != Total)
            {
                SaveCache();
            }

            var collection = _target.Passages ?? await _target.PassagesAsync(_dimensions ?? PassageVectorRecord.DefaultDimensions, cancellationToken).ConfigureAwait(false);
            var current = _corpus.Passages.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var removed in _target.StoredPassages.Keys.Where(id => !current.Contains(id)).ToList())
            {
                await collection.DeleteAsync(removed, cancellationToken).ConfigureAwait(false);
                _target.StoredPassages.Remove(removed);
            }

            return collection;
        }
        catch (Exception)
        {
            // Superseded, shutting down or a broken model: keep what was embedded for the next start.
            SaveCache();
            throw;
        }
    }

    /// <summary>
    /// Embeds the sentences the cache lacks (<see cref="MissingSentences"/>; the cached ones were stored by
    /// <see cref="EmbedPassagesAsync"/>), stores them and saves them with the cache. A failure is logged and leaves
    /// the evidence check to embed the sentences it needs itself.
    /// </summary>
    /// <param name="sentencesDone">Receives <see cref="SentencesDone"/> after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>A task that completes when every sentence is stored, or the job failed or was cancelled.</returns>
    public async Task EmbedSentencesAsync(IProgress<int> sentencesDone, CancellationToken cancellationToken)
    {
        var batchSize = _options.EmbeddingBatchSize;
        var lastSave = Stopwatch.StartNew();
        try
        {
            var options = EmbeddingInputType.Options(EmbeddingInputType.Document);
            for (var start = 0; start < MissingSentences.Count; start += batchSize)
            {
                var batch = MissingSentences.Skip(start).Take(batchSize).ToList();
                var embeddings = await _generator.GenerateAsync(batch, options, cancellationToken).ConfigureAwait(false);
                var vectors = batch.Zip(embeddings, (sentence, e) => (Id: EmbeddingCache.HashText(sentence), Vector: e.Vector.ToArray())).ToArray();
                await UpsertSentencesAsync(vectors, cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < vectors.Length; j++)
                {
                    _cache.Set(batch[j], vectors[j].Vector);
                }

                Interlocked.Add(ref _sentencesEmbedded, vectors.Length);
                sentencesDone.Report(SentencesDone);

                if (lastSave.Elapsed >= _options.EmbeddingCacheSaveInterval)
                {
                    SaveCache();
                    lastSave.Restart();
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSentenceEmbeddingFailed(ex, ex.Message);
        }
        finally
        {
            SaveCache();
        }
    }

    // The sentences the cache has go in first, so the evidence check reads them while passages are embedded.
    private async Task StoreCachedSentencesAsync(CancellationToken cancellationToken)
    {
        foreach (var chunk in _cachedSentences.Chunk(Math.Max(_options.EmbeddingBatchSize, 256)))
        {
            await UpsertSentencesAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        _cachedSentences.Clear();
        if (_target.Sentences is { } sentences)
        {
            foreach (var removed in _target.StoredSentences.Where(id => !_sentenceIds.Contains(id)).ToList())
            {
                await sentences.DeleteAsync(removed, cancellationToken).ConfigureAwait(false);
                _target.StoredSentences.Remove(removed);
            }
        }
    }

    private async Task UpsertPassagesAsync((int Ordinal, float[] Vector)[] vectors, CancellationToken cancellationToken)
    {
        if (vectors.Length == 0)
        {
            return;
        }

        var collection = await _target.PassagesAsync(_dimensions ?? vectors[0].Vector.Length, cancellationToken).ConfigureAwait(false);
        var records = vectors.Select(v => PassageVectorRecord.Create(_paperById[_corpus.Passages[v.Ordinal].PaperId], _corpus.Passages[v.Ordinal], v.Vector)).ToList();
        await collection.UpsertAsync(records, cancellationToken).ConfigureAwait(false);
        foreach (var (ordinal, _) in vectors)
        {
            _target.StoredPassages[_corpus.Passages[ordinal].Id] = _fingerprints[ordinal];
        }
    }

    private async Task UpsertSentencesAsync((string Id, float[] Vector)[] vectors, CancellationToken cancellationToken)
    {
        if (vectors.Length == 0)
        {
            return;
        }

        var collection = await _target.SentencesAsync(_dimensions ?? vectors[0].Vector.Length, cancellationToken).ConfigureAwait(false);
        await collection.UpsertAsync(vectors.Select(v => new SentenceVectorRecord { Id = v.Id, Vector = v.Vector }), cancellationToken).ConfigureAwait(false);
        _target.StoredSentences.UnionWith(vectors.Select(v => v.Id));
    }

    // Saves the cache; the first failure becomes the build's one cache warning (the cache logs it once too).
    private void SaveCache()
    {
        if (_cache.Save() || CacheWarning is not null || _cache.SaveError is not { } error)
        {
            return;
        }

        CacheWarning = $"{_cache.FilePath}: embedding cache cannot be saved ({error}); answers work, but the next start embeds every passage again. Make {Path.GetDirectoryName(_cache.FilePath)} writable, or set {CorpusOptions.SectionName}:{nameof(CorpusOptions.CacheFolder)}";
        _progress?.Report(_lastProgress with { CacheWarning = CacheWarning });
    }

    // The model named: the second dense retriever's job logs the same progress after the first's.
    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded {Done}/{Total} passages ({Model})")]
    private partial void LogEmbedded(int done, int total, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding the source sentences failed ({Reason}); the evidence check embeds those it needs")]
    private partial void LogSentenceEmbeddingFailed(Exception exception, string reason);
}
