using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.VectorData;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// The vector collections of one corpus folder and one embedding model: <c>passages-{key}</c> (one
/// <see cref="PassageVectorRecord"/> per passage) and <c>sentences-{key}</c> (one <see cref="SentenceVectorRecord"/>
/// per distinct source sentence), where the key names both (<see cref="KeyOf"/>). They are the one home of the
/// vectors: created on first use, then updated in place by each build's <see cref="PassageEmbeddingJob"/> (changed
/// records upserted, removed ones deleted), never recreated. The ledgers say what this process has stored, so an
/// update writes only what changed; a process starting against a database that already holds the collections upserts
/// every record once (vectors from the embedding cache), then only changes. One writer at a time: the index runs
/// one job per build and cancels the previous one first.
/// </summary>
/// <param name="store">The vector store (in memory by default; any Microsoft.Extensions.VectorData connector).</param>
/// <param name="key">The corpus and model key (<see cref="KeyOf"/>).</param>
internal sealed class CorpusVectors(Microsoft.Extensions.VectorData.VectorStore store, string key)
{
    /// <summary>The corpus and model key the collection names end with.</summary>
    public string Key { get; } = key;

    /// <summary>The passage collection, once the first vector gave its dimension; else null.</summary>
    public VectorStoreCollection<string, PassageVectorRecord>? Passages { get; private set; }

    /// <summary>The sentence collection, once the first sentence vector gave its dimension; else null.</summary>
    public VectorStoreCollection<string, SentenceVectorRecord>? Sentences { get; private set; }

    /// <summary>Passage id → <see cref="PassageVectorRecord.Fingerprint"/> of each record this process stored.</summary>
    public Dictionary<string, UInt128> StoredPassages { get; } = new(StringComparer.Ordinal);

    /// <summary>The sentence hashes this process stored.</summary>
    public HashSet<string> StoredSentences { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The key of a corpus folder and an embedding model: the first 8 bytes of a SHA-256 over both, as 16 lower-case
    /// hex digits (the embedding cache file is named by the same key).
    /// </summary>
    /// <param name="modelIdentity">The embedding model's identity (see <see cref="Retrieval.EmbeddingInputType.ModelIdentity"/>).</param>
    /// <param name="corpusFolder">The corpus folder; relative paths are made absolute against the working directory.</param>
    /// <exception cref="ArgumentException"><paramref name="corpusFolder"/> is null or empty.</exception>
    public static string KeyOf(string modelIdentity, string corpusFolder)
    {
        ArgumentNullException.ThrowIfNull(modelIdentity);
        ArgumentException.ThrowIfNullOrEmpty(corpusFolder);
        var corpus = Path.TrimEndingDirectorySeparator(Path.GetFullPath(corpusFolder));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{modelIdentity}\n{corpus}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    /// <summary>The passage collection, created for vectors of <paramref name="dimensions"/> on first use.</summary>
    public async Task<VectorStoreCollection<string, PassageVectorRecord>> PassagesAsync(int dimensions, CancellationToken cancellationToken) =>
        Passages ??= await CreateAsync<PassageVectorRecord>("passages", PassageVectorRecord.CreateDefinition(dimensions), cancellationToken).ConfigureAwait(false);

    /// <summary>The sentence collection, created for vectors of <paramref name="dimensions"/> on first use.</summary>
    public async Task<VectorStoreCollection<string, SentenceVectorRecord>> SentencesAsync(int dimensions, CancellationToken cancellationToken) =>
        Sentences ??= await CreateAsync<SentenceVectorRecord>("sentences", SentenceVectorRecord.CreateDefinition(dimensions), cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes both collections (when the corpus or model changes, these vectors are no one's).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        await store.EnsureCollectionDeletedAsync($"passages-{Key}", cancellationToken).ConfigureAwait(false);
        await store.EnsureCollectionDeletedAsync($"sentences-{Key}", cancellationToken).ConfigureAwait(false);
        Passages = null;
        Sentences = null;
        StoredPassages.Clear();
        StoredSentences.Clear();
    }

    private async Task<VectorStoreCollection<string, TRecord>> CreateAsync<TRecord>(string prefix, VectorStoreCollectionDefinition definition, CancellationToken cancellationToken)
        where TRecord : class
    {
        var collection = store.GetCollection<string, TRecord>($"{prefix}-{Key}", definition);
        await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
        return collection;
    }
}
