// Provider services are how connectors read a record type's model; the package version is pinned centrally.
#pragma warning disable MEVD9001

using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace RagAssistant.Core.VectorStore;

/// <summary>
/// A collection of records in process memory, searched exactly: every vector is scored against the query with
/// <see cref="System.Numerics.Tensors.TensorPrimitives"/>; no approximate index, so results are the true top.
/// Supported distance functions: cosine similarity (default), cosine distance and dot product.
/// Filters (<see cref="VectorSearchOptions{TRecord}.Filter"/>) are LINQ expressions compiled once and run on the
/// records themselves, so any predicate over record fields works, not only the subset databases translate.
/// Each vector is held once, in the exact index: the store keeps a copy of each record with its vector properties
/// left empty, as a database returns rows without their vectors unless asked. Get and search return that stored copy
/// (do not mutate it); with <c>IncludeVectors</c> they return a new copy with the vectors filled in from the index
/// (unit length for the cosine functions, which store vectors normalised).
/// </summary>
internal sealed class InMemoryVectorStoreCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    private readonly InMemoryVectorStore _store;
    private readonly CollectionModel _model;
    private readonly ConditionalWeakTable<Expression<Func<TRecord, bool>>, Func<TRecord, bool>> _compiledFilters = new();
    private readonly Func<TRecord, TRecord>? _copyData;

    internal InMemoryVectorStoreCollection(InMemoryVectorStore store, string name, VectorStoreCollectionDefinition? definition)
    {
        _store = store;
        Name = name;
        _model = new InMemoryCollectionModelBuilder().Build(typeof(TRecord), typeof(TKey), definition, definition?.EmbeddingGenerator ?? store.EmbeddingGenerator);
        foreach (var vector in _model.VectorProperties)
        {
            _ = ScoreKind.Of(vector.DistanceFunction);
        }

        _copyData = CompileDataCopy(_model);
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Storage(createIfMissing: false) is not null);

    /// <inheritdoc/>
    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        _ = Storage(createIfMissing: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) =>
        _store.EnsureCollectionDeletedAsync(Name, cancellationToken);

    /// <inheritdoc/>
    public override Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Task.FromResult(Storage(createIfMissing: false)?.Get(key, options?.IncludeVectors == true) is { } found ? (found.Vectors is null ? found.Record : WithVectors(found.Record, found.Vectors)) : null);
    }

    /// <inheritdoc/>
    /// <remarks>One read of the storage for all keys (fusion reads about 100 per search); missing keys are skipped.</remarks>
    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var (record, vectors) in Storage(createIfMissing: false)?.Get(keys, options?.IncludeVectors == true) ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return vectors is null ? record : WithVectors(record, vectors);
        }
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<TRecord> GetAsync(
        Expression<Func<TRecord, bool>> filter,
        int top,
        FilteredRecordRetrievalOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        await Task.CompletedTask.ConfigureAwait(false);

        var predicate = Compile(filter);
        IEnumerable<TRecord> records = Storage(createIfMissing: false)?.Snapshot().Where(predicate) ?? [];
        if (options?.OrderBy is { } orderBy)
        {
            var sorts = orderBy(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition()).Values;
            IOrderedEnumerable<TRecord>? ordered = null;
            foreach (var sort in sorts)
            {
                var selector = sort.PropertySelector.Compile();
                ordered = (ordered, sort.Ascending) switch
                {
                    (null, true) => records.OrderBy(selector),
                    (null, false) => records.OrderByDescending(selector),
                    (_, true) => ordered.ThenBy(selector),
                    (_, false) => ordered.ThenByDescending(selector),
                };
            }

            records = ordered ?? records;
        }

        var storage = Storage(createIfMissing: false);
        foreach (var record in records.Skip(options?.Skip ?? 0).Take(top))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return options?.IncludeVectors == true && storage?.Get(Key(record), includeVectors: true) is { } found ? WithVectors(found.Record, found.Vectors) : record;
        }
    }

    /// <inheritdoc/>
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        Storage(createIfMissing: false)?.Delete(key);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc/>
    public override Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var storage = Storage(createIfMissing: false)
            ?? throw new VectorStoreException($"Collection '{Name}' does not exist; call EnsureCollectionExistsAsync first.");
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Key(record);
            var vectors = _model.VectorProperties.Select(p => ReadVector(p.GetValueAsObject(record))).ToArray();
            storage.Upsert(key, WithVectors(record, null), vectors);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue,
        int top,
        VectorSearchOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        options ??= new VectorSearchOptions<TRecord>();
        var property = _model.GetVectorPropertyOrSingle(options);
        var propertyIndex = IndexOf(property);
        var scoreKind = ScoreKind.Of(property.DistanceFunction);
        var query = await ToQueryVectorAsync(searchValue, property, cancellationToken).ConfigureAwait(false);
        var storage = Storage(createIfMissing: false);
        if (storage is null)
        {
            yield break;
        }

        var filter = options.Filter is { } expression ? Compile(expression) : null;
        var minSimilarity = options.ScoreThreshold is { } threshold ? scoreKind.MinSimilarity(threshold) : float.NegativeInfinity;
        var hits = storage.Search(propertyIndex, query.Span, top + options.Skip, filter, minSimilarity, options.IncludeVectors);
        foreach (var (record, similarity, vectors) in hits.Skip(options.Skip))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new VectorSearchResult<TRecord>(vectors is null ? record : WithVectors(record, vectors), scoreKind.Score(similarity));
        }
    }

    /// <inheritdoc/>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreCollectionMetadata) ? new VectorStoreCollectionMetadata { VectorStoreSystemName = InMemoryVectorStore.SystemName, CollectionName = Name }
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    private TKey Key(TRecord record) =>
        (TKey)(_model.KeyProperty.GetValueAsObject(record) ?? throw new ArgumentException("Record has no key.", nameof(record)));

    // A new record with the key and data of record and the given vectors (null: vector properties left empty).
    private TRecord WithVectors(TRecord record, float[]?[]? vectors)
    {
        TRecord copy;
        if (_copyData is { } copyData)
        {
            copy = copyData(record);
        }
        else
        {
            copy = _model.CreateRecord<TRecord>();
            _model.KeyProperty.SetValueAsObject(copy, _model.KeyProperty.GetValueAsObject(record));
            foreach (var data in _model.DataProperties)
            {
                data.SetValueAsObject(copy, data.GetValueAsObject(record));
            }
        }

        for (var i = 0; vectors is not null && i < vectors.Length; i++)
        {
            if (vectors[i] is { } vector)
            {
                var property = _model.VectorProperties[i];
                property.SetValueAsObject(copy, WriteVector(vector, property.Type));
            }
        }

        return copy;
    }

    // record => new TRecord { Key = record.Key, Data1 = record.Data1, ... }, compiled once: fusion copies about 100
    // records per search, and property reflection made that the larger part of reading their vectors. Null (the
    // reflection path) for a record type without a public parameterless constructor or plain properties.
    private static Func<TRecord, TRecord>? CompileDataCopy(CollectionModel model)
    {
        var properties = model.DataProperties.Cast<PropertyModel>().Prepend(model.KeyProperty).Select(p => p.PropertyInfo).ToList();
        if (typeof(TRecord).GetConstructor(Type.EmptyTypes) is null || properties.Any(p => p is null || !p.CanRead || !p.CanWrite))
        {
            return null;
        }

        var source = Expression.Parameter(typeof(TRecord), "record");
        var body = Expression.MemberInit(Expression.New(typeof(TRecord)), properties.Select(p => Expression.Bind(p!, Expression.Property(source, p!))));
        return Expression.Lambda<Func<TRecord, TRecord>>(body, source).Compile();
    }

    private static object WriteVector(float[] vector, Type type) =>
        type == typeof(float[]) ? vector
        : type == typeof(Embedding<float>) ? new Embedding<float>(vector)
        : new ReadOnlyMemory<float>(vector);

    private static ReadOnlyMemory<float>? ReadVector(object? value) => value switch
    {
        null => null,
        ReadOnlyMemory<float> memory => memory,
        float[] array => array,
        Embedding<float> embedding => embedding.Vector,
        _ => throw new NotSupportedException($"Vector values of type {value.GetType().Name} are not supported; store ReadOnlyMemory<float>, float[] or Embedding<float>."),
    };

    private static async Task<ReadOnlyMemory<float>> ToQueryVectorAsync<TInput>(TInput value, VectorPropertyModel property, CancellationToken cancellationToken)
    {
        switch (value)
        {
            case ReadOnlyMemory<float> memory:
                return memory;
            case float[] array:
                return array;
            case Embedding<float> embedding:
                return embedding.Vector;
        }

        if (property.EmbeddingGenerator is IEmbeddingGenerator<TInput, Embedding<float>> generator)
        {
            var embeddings = await generator.GenerateAsync([value], cancellationToken: cancellationToken).ConfigureAwait(false);
            return embeddings[0].Vector;
        }

        throw new NotSupportedException(
            $"Cannot search with a {typeof(TInput).Name}: pass ReadOnlyMemory<float>, float[] or Embedding<float>, or configure an IEmbeddingGenerator<{typeof(TInput).Name}, Embedding<float>> on the store or collection definition.");
    }

    private Func<TRecord, bool> Compile(Expression<Func<TRecord, bool>> filter) =>
        _compiledFilters.GetValue(filter, static f => f.Compile());

    private int IndexOf(VectorPropertyModel property)
    {
        for (var i = 0; i < _model.VectorProperties.Count; i++)
        {
            if (ReferenceEquals(_model.VectorProperties[i], property))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"Vector property {property.ModelName} is not part of the collection.");
    }

    private CollectionStorage<TKey, TRecord>? Storage(bool createIfMissing) =>
        _store.GetStorage(Name, () => new CollectionStorage<TKey, TRecord>(_model.VectorProperties.Select(p => (p.Dimensions, ScoreKind.Of(p.DistanceFunction).Normalize)).ToArray()), createIfMissing);
}
