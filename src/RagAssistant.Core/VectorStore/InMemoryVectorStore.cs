using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace RagAssistant.Core.VectorStore;

/// <summary>
/// A <see cref="Microsoft.Extensions.VectorData.VectorStore"/> that keeps collections in process memory with exact
/// vector search (see <see cref="ExactVectorIndex"/>). Collections live as long as the store.
/// </summary>
/// <param name="embeddingGenerator">Embeds text search input for collections whose definition names none; null = vectors only.</param>
public sealed class InMemoryVectorStore(IEmbeddingGenerator? embeddingGenerator = null) : Microsoft.Extensions.VectorData.VectorStore
{
    internal const string SystemName = "ragassistant-inmemory";

    private readonly ConcurrentDictionary<string, object> _collections = new(StringComparer.Ordinal);

    /// <summary>The embedding generator collections use for text search input, unless their definition names one.</summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; } = embeddingGenerator;

    /// <inheritdoc/>
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new InMemoryVectorStoreCollection<TKey, TRecord>(this, name, definition);
    }

    /// <inheritdoc/>
    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition) =>
        throw new NotSupportedException("Dynamic (dictionary) collections are not supported by the in-memory store; use a record type.");

    /// <inheritdoc/>
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var name in _collections.Keys.Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }
    }

    /// <inheritdoc/>
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_collections.ContainsKey(name));

    /// <inheritdoc/>
    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        _collections.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? new VectorStoreMetadata { VectorStoreSystemName = SystemName }
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>The storage of a collection, created on first use when <paramref name="create"/>.</summary>
    internal TStorage? GetStorage<TStorage>(string name, Func<TStorage> create, bool createIfMissing)
        where TStorage : class
    {
        var storage = createIfMissing ? _collections.GetOrAdd(name, _ => create()) : _collections.GetValueOrDefault(name);
        return storage switch
        {
            null => null,
            TStorage typed => typed,
            _ => throw new VectorStoreException($"Collection '{name}' exists with a different key or record type ({storage.GetType().Name})."),
        };
    }
}
