using System.Numerics.Tensors;

namespace RagAssistant.Core.VectorStore;

/// <summary>
/// Exact (brute-force) nearest-neighbour search over vectors kept in contiguous blocks of
/// <see cref="BlockVectors"/> vectors (growing adds a block: it never copies every vector nor reserves room for as
/// many again, as doubling one array would), scored with
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>. With <c>normalize</c> the vectors
/// and queries are scaled to unit length on the way in, so the dot product is the cosine similarity and a query
/// costs one SIMD dot per vector. Slots of removed vectors are reused. Not thread-safe for writes; callers lock.
/// </summary>
public sealed class ExactVectorIndex
{
    /// <summary>Vectors per block (a block of 384-dimension vectors is 1.5 MiB).</summary>
    public const int BlockVectors = 1024;

    private readonly bool _normalize;
    private readonly List<float[]> _blocks = [];
    private bool[] _occupied;
    private readonly Stack<int> _free = new();
    private int _slots;

    /// <summary>Creates an empty index for vectors of <paramref name="dimensions"/>.</summary>
    /// <param name="dimensions">Length of every vector (e.g. 384).</param>
    /// <param name="normalize">Scale vectors and queries to unit length, so scores are cosines in [-1, 1].</param>
    /// <param name="initialCapacity">Vectors to make room for up front; blocks are added as needed.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is zero or negative.</exception>
    public ExactVectorIndex(int dimensions, bool normalize, int initialCapacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        Dimensions = dimensions;
        _normalize = normalize;
        _occupied = new bool[Math.Max(1, initialCapacity)];
        EnsureCapacity(Math.Max(1, initialCapacity));
    }

    /// <summary>Length of every vector.</summary>
    public int Dimensions { get; }

    /// <summary>Number of vectors held.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a vector and returns its slot.</summary>
    /// <param name="vector">The vector; copied.</param>
    /// <returns>The slot, a reused one when a vector was removed before.</returns>
    /// <exception cref="ArgumentException"><paramref name="vector"/> is not <see cref="Dimensions"/> long.</exception>
    public int Add(ReadOnlySpan<float> vector)
    {
        var slot = _free.Count > 0 ? _free.Pop() : _slots++;
        EnsureCapacity(slot + 1);
        Write(slot, vector);
        _occupied[slot] = true;
        Count++;
        return slot;
    }

    /// <summary>Replaces the vector in <paramref name="slot"/>.</summary>
    /// <param name="slot">An occupied slot.</param>
    /// <param name="vector">The new vector; copied.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> holds no vector.</exception>
    /// <exception cref="ArgumentException"><paramref name="vector"/> is not <see cref="Dimensions"/> long.</exception>
    public void Set(int slot, ReadOnlySpan<float> vector)
    {
        CheckSlot(slot);
        Write(slot, vector);
    }

    /// <summary>Frees <paramref name="slot"/> for reuse.</summary>
    /// <param name="slot">An occupied slot.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> holds no vector.</exception>
    public void Remove(int slot)
    {
        CheckSlot(slot);
        _occupied[slot] = false;
        _free.Push(slot);
        Count--;
    }

    /// <summary>The stored (normalised, if so configured) vector of <paramref name="slot"/>.</summary>
    /// <param name="slot">An occupied slot.</param>
    /// <returns>A view of the stored vector, valid until the next write.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> holds no vector.</exception>
    public ReadOnlySpan<float> Get(int slot)
    {
        CheckSlot(slot);
        return Slice(slot);
    }

    /// <summary>Removes every vector.</summary>
    public void Clear()
    {
        Array.Clear(_occupied);
        _free.Clear();
        _slots = 0;
        Count = 0;
    }

    /// <summary>
    /// The <paramref name="top"/> best slots for <paramref name="query"/>, best first, as (slot, similarity).
    /// <paramref name="accept"/> filters slots before they compete; <paramref name="minScore"/> drops weak ones.
    /// </summary>
    /// <param name="query">The query vector, <see cref="Dimensions"/> long.</param>
    /// <param name="top">Most results; 0 or less gives none.</param>
    /// <param name="accept">Slots to consider (e.g. a record filter); null = all.</param>
    /// <param name="minScore">Lowest similarity kept.</param>
    /// <returns>(slot, similarity) pairs, best first; similarity is the dot product (the cosine when normalising).</returns>
    /// <exception cref="ArgumentException"><paramref name="query"/> is not <see cref="Dimensions"/> long.</exception>
    public IReadOnlyList<(int Slot, float Score)> Search(ReadOnlySpan<float> query, int top, Func<int, bool>? accept = null, float minScore = float.NegativeInfinity)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index holds {Dimensions}.", nameof(query));
        }

        if (top <= 0 || Count == 0)
        {
            return [];
        }

        Span<float> normalized = Dimensions <= 4096 ? stackalloc float[Dimensions] : new float[Dimensions];
        query.CopyTo(normalized);
        if (_normalize)
        {
            Normalize(normalized);
        }

        // Min-heap of the best so far: the root is the weakest kept hit, replaced when a better one comes.
        var heap = new PriorityQueue<int, float>(top + 1);
        for (var slot = 0; slot < _slots; slot++)
        {
            if (!_occupied[slot])
            {
                continue;
            }

            var score = TensorPrimitives.Dot(normalized, Slice(slot));
            if (score < minScore || float.IsNaN(score))
            {
                continue;
            }

            if (heap.Count == top && (!heap.TryPeek(out _, out var weakest) || score <= weakest))
            {
                continue;
            }

            if (accept is not null && !accept(slot))
            {
                continue;
            }

            if (heap.Count == top)
            {
                heap.DequeueEnqueue(slot, score);
            }
            else
            {
                heap.Enqueue(slot, score);
            }
        }

        var results = new (int Slot, float Score)[heap.Count];
        for (var i = results.Length - 1; i >= 0; i--)
        {
            heap.TryDequeue(out var slot, out var score);
            results[i] = (slot, score);
        }

        return results;
    }

    private static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    private void Write(int slot, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the index holds {Dimensions}.", nameof(vector));
        }

        var target = Slice(slot);
        vector.CopyTo(target);
        if (_normalize)
        {
            Normalize(target);
        }
    }

    private Span<float> Slice(int slot) =>
        _blocks[slot / BlockVectors].AsSpan(slot % BlockVectors * Dimensions, Dimensions);

    // Blocks before the last are full; the last grows by doubling up to a full block, so a small index stays small.
    private void EnsureCapacity(int slots)
    {
        var full = BlockVectors * Dimensions;
        while (Capacity < slots)
        {
            if (_blocks.Count > 0 && _blocks[^1].Length < full)
            {
                var last = _blocks[^1];
                Array.Resize(ref last, Math.Min(last.Length * 2, full));
                _blocks[^1] = last;
            }
            else
            {
                _blocks.Add(new float[Math.Clamp(slots - Capacity, 16, BlockVectors) * Dimensions]);
            }
        }

        if (slots > _occupied.Length)
        {
            Array.Resize(ref _occupied, Math.Max(slots, _occupied.Length * 2));
        }
    }

    private int Capacity => _blocks.Count == 0 ? 0 : ((_blocks.Count - 1) * BlockVectors) + (_blocks[^1].Length / Dimensions);

    private void CheckSlot(int slot)
    {
        if ((uint)slot >= (uint)_slots || !_occupied[slot])
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, "No vector in this slot.");
        }
    }
}
