using System.Diagnostics.CodeAnalysis;

namespace RagAssistant.Core.VectorStore;

/// <summary>
/// The records of one collection and an exact vector index per vector property, guarded by one lock. The records are
/// kept without their vectors (the collection stores copies with vector properties left empty): each vector is held
/// once, in its index.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The lock lives as long as the store, which is never disposed before the process ends; disposing it would race with readers.")]
internal sealed class CollectionStorage<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<TKey, Entry> _entries = [];
    private readonly (int Dimensions, bool Normalize)[] _vectorSpecs;
    private readonly ExactVectorIndex?[] _indexes;
    private readonly List<TKey?>[] _slotKeys;

    public CollectionStorage((int Dimensions, bool Normalize)[] vectorSpecs)
    {
        _vectorSpecs = vectorSpecs;
        _indexes = new ExactVectorIndex?[vectorSpecs.Length];
        _slotKeys = vectorSpecs.Select(_ => new List<TKey?>()).ToArray();
    }

    /// <summary>The record of <paramref name="key"/> and, when <paramref name="includeVectors"/>, copies of its stored vectors.</summary>
    public (TRecord Record, float[]?[]? Vectors)? Get(TKey key, bool includeVectors)
    {
        _lock.EnterReadLock();
        try
        {
            return _entries.TryGetValue(key, out var entry) ? (entry.Record, includeVectors ? VectorsOf(entry) : null) : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The records of those <paramref name="keys"/> present, in key order, under one read lock.</summary>
    public List<(TRecord Record, float[]?[]? Vectors)> Get(IEnumerable<TKey> keys, bool includeVectors)
    {
        var found = new List<(TRecord, float[]?[]?)>();
        _lock.EnterReadLock();
        try
        {
            foreach (var key in keys)
            {
                if (_entries.TryGetValue(key, out var entry))
                {
                    found.Add((entry.Record, includeVectors ? VectorsOf(entry) : null));
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return found;
    }

    public List<TRecord> Snapshot()
    {
        _lock.EnterReadLock();
        try
        {
            return _entries.Values.Select(e => e.Record).ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Upsert(TKey key, TRecord record, ReadOnlyMemory<float>?[] vectors)
    {
        _lock.EnterWriteLock();
        try
        {
            // Validate every vector before changing anything, so a bad record leaves the collection as it was.
            for (var i = 0; i < vectors.Length; i++)
            {
                if (vectors[i] is { } vector)
                {
                    var expected = _indexes[i]?.Dimensions ?? _vectorSpecs[i].Dimensions;
                    if (expected > 0 && vector.Length != expected)
                    {
                        throw new ArgumentException($"Vector {i} of record '{key}' has {vector.Length} dimensions; the collection expects {expected}.");
                    }

                    if (vector.Length == 0)
                    {
                        throw new ArgumentException($"Vector {i} of record '{key}' is empty.");
                    }
                }
            }

            if (_entries.Remove(key, out var old))
            {
                FreeSlots(old);
            }

            var slots = new int[vectors.Length];
            for (var i = 0; i < vectors.Length; i++)
            {
                slots[i] = -1;
                if (vectors[i] is { } vector)
                {
                    var index = _indexes[i] ??= new ExactVectorIndex(vector.Length, _vectorSpecs[i].Normalize);
                    slots[i] = index.Add(vector.Span);
                    var keys = _slotKeys[i];
                    while (keys.Count <= slots[i])
                    {
                        keys.Add(default);
                    }

                    keys[slots[i]] = key;
                }
            }

            _entries[key] = new Entry(record, slots);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Delete(TKey key)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_entries.Remove(key, out var old))
            {
                FreeSlots(old);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public List<(TRecord Record, float Similarity, float[]?[]? Vectors)> Search(int property, ReadOnlySpan<float> query, int top, Func<TRecord, bool>? filter, float minSimilarity, bool includeVectors)
    {
        _lock.EnterReadLock();
        try
        {
            var index = _indexes[property];
            if (index is null)
            {
                return [];
            }

            var keys = _slotKeys[property];
            Func<int, bool>? accept = filter is null ? null : slot => filter(_entries[keys[slot]!].Record);
            return index.Search(query, top, accept, minSimilarity)
                .Select(hit => _entries[keys[hit.Slot]!] is var entry ? (entry.Record, hit.Score, includeVectors ? VectorsOf(entry) : null) : default)
                .ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    // Copies: the index's array is rewritten by later upserts, and callers may keep what they were given.
    private float[]?[] VectorsOf(Entry entry)
    {
        var vectors = new float[]?[entry.Slots.Length];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = entry.Slots[i] >= 0 ? _indexes[i]!.Get(entry.Slots[i]).ToArray() : null;
        }

        return vectors;
    }

    private void FreeSlots(Entry entry)
    {
        for (var i = 0; i < entry.Slots.Length; i++)
        {
            if (entry.Slots[i] >= 0)
            {
                _indexes[i]!.Remove(entry.Slots[i]);
                _slotKeys[i][entry.Slots[i]] = default;
            }
        }
    }

    private sealed record Entry(TRecord Record, int[] Slots);
}
