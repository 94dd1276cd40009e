using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Token-level late interaction (ColBERT's MaxSim, BERTScore's matching) over the second embedder's contextual token
/// vectors: each word token of the question is matched with its most similar token of a passage, and the passage
/// scores the idf-weighted mean of those best cosines. A reworded question's everyday word ("a new tongue") meets the
/// abstract's term ("target language") in context, where one pooled vector per passage averages it away.
/// </summary>
/// <remarks>
/// <para>The generator is asked through <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>[<see cref="GranularityKey"/>] =
/// <see cref="TokenGranularity"/>; each embedding is then the text's token vectors, unit length, row-major
/// [tokens × dimensions], with the tokens' vocabulary ids (<c>int[]</c>) in its additional property
/// <see cref="TokenIdsKey"/>. A generator that ignores the request returns one vector per text; its ids are missing,
/// so the index makes no token vectors and the signal stays off.</para>
/// <para>Memory: the vectors are held as <see cref="Half"/>, 768 bytes per 384-dimension token (about 61 MB for the
/// shipped corpus's 312 abstracts, about 80,000 word tokens). Cost: the matches of the fusion's best
/// <see cref="RetrievalOptions.TokenMatchDepth"/> candidates only, shared between the cores.</para>
/// </remarks>
public sealed class TokenVectors
{
    /// <summary>The additional-property key that asks the generator for token vectors.</summary>
    public const string GranularityKey = "granularity";

    /// <summary>The value of <see cref="GranularityKey"/> asking for one vector per word token.</summary>
    public const string TokenGranularity = "token";

    /// <summary>The embedding's additional property holding its tokens' vocabulary ids.</summary>
    public const string TokenIdsKey = "token_ids";

    /// <summary>
    /// A token-level embedding's optional additional property holding the same text's pooled unit vector
    /// (<c>float[]</c>, what the generator returns for the text without <see cref="GranularityKey"/>): one model pass
    /// gives a question's query vector and its token vectors.
    /// </summary>
    public const string PooledKey = "pooled";

    private readonly Half[][] _vectors;
    private readonly int[][] _ids;
    private readonly Dictionary<int, double> _idf;
    private readonly double _unseenIdf;

    private TokenVectors(Half[][] vectors, int[][] ids, int dimensions)
    {
        _vectors = vectors;
        _ids = ids;
        Dimensions = dimensions;
        var documentFrequency = new Dictionary<int, int>();
        foreach (var passage in ids)
        {
            foreach (var id in passage.Distinct())
            {
                documentFrequency[id] = documentFrequency.GetValueOrDefault(id) + 1;
            }
        }

        _idf = documentFrequency.ToDictionary(x => x.Key, x => Math.Log((ids.Length + 1.0) / (x.Value + 1.0)));
        _unseenIdf = Math.Log(ids.Length + 1.0);
        Tokens = ids.Sum(i => i.Length);
    }

    /// <summary>Options that ask a generator for token vectors.</summary>
    public static EmbeddingGenerationOptions Options => new() { AdditionalProperties = new AdditionalPropertiesDictionary { [GranularityKey] = TokenGranularity } };

    /// <summary>Options that ask a generator for a query's token vectors (and, where it gives them, its pooled vector: <see cref="PooledKey"/>).</summary>
    public static EmbeddingGenerationOptions QueryOptions => new()
    {
        AdditionalProperties = new AdditionalPropertiesDictionary { [GranularityKey] = TokenGranularity, [EmbeddingInputType.Key] = EmbeddingInputType.Query },
    };

    /// <summary>Passages held, in ordinal order.</summary>
    public int Count => _vectors.Length;

    /// <summary>Tokens held over all passages.</summary>
    public int Tokens { get; }

    /// <summary>Length of one token vector.</summary>
    public int Dimensions { get; }

    /// <summary>Reads one token-level embedding: its vectors and ids, or null when it is not one (no ids, or lengths that disagree).</summary>
    /// <param name="embedding">An embedding made with <see cref="Options"/>.</param>
    /// <param name="dimensions">The length of one token vector.</param>
    /// <returns>The vectors, row-major, and the ids; null when the embedding is not token-level.</returns>
    public static (ReadOnlyMemory<float> Vectors, int[] Ids)? Read(Embedding<float> embedding, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        return dimensions > 0 && embedding.AdditionalProperties?.TryGetValue(TokenIdsKey, out var value) == true && value is int[] ids && embedding.Vector.Length == ids.Length * dimensions
            ? (embedding.Vector, ids)
            : null;
    }

    /// <summary>The pooled vector a token-level embedding carries (<see cref="PooledKey"/>), or null when it carries none.</summary>
    /// <param name="embedding">An embedding made with <see cref="QueryOptions"/> or <see cref="Options"/>.</param>
    /// <returns>The text's pooled unit vector; null when the generator gave none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="embedding"/> is null.</exception>
    public static ReadOnlyMemory<float>? ReadPooled(Embedding<float> embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.AdditionalProperties?.TryGetValue(PooledKey, out var value) == true && value is float[] { Length: > 0 } pooled)
        {
            return pooled;
        }

        return null; // not "cond ? pooled : null": null would convert to an empty ReadOnlyMemory through float[]

    }

    /// <summary>The token vectors of every passage, by ordinal.</summary>
    /// <param name="passages">Each passage's token embedding, by ordinal (see <see cref="Read"/>).</param>
    /// <param name="dimensions">The length of one token vector.</param>
    /// <returns>The index's token vectors, or null when any embedding is not token-level (the generator does not make them).</returns>
    public static TokenVectors? Create(IReadOnlyList<Embedding<float>> passages, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(passages);
        var halves = new (Half[] Vectors, int[] Ids)[passages.Count];
        for (var p = 0; p < passages.Count; p++)
        {
            if (Compact(passages[p], dimensions) is not { } tokens)
            {
                return null;
            }

            halves[p] = tokens;
        }

        return Create(halves, dimensions);
    }

    /// <summary>One token-level embedding as it is held: half-precision vectors and ids; null when it is not one (see <see cref="Read"/>).</summary>
    internal static (Half[] Vectors, int[] Ids)? Compact(Embedding<float> embedding, int dimensions)
    {
        if (Read(embedding, dimensions) is not { } tokens)
        {
            return null;
        }

        var vectors = new Half[tokens.Vectors.Length];
        TensorPrimitives.ConvertToHalf(tokens.Vectors.Span, vectors);
        return (vectors, tokens.Ids);
    }

    /// <summary>The token vectors of every passage, by ordinal, as held (from <see cref="Compact"/> or the cache).</summary>
    internal static TokenVectors Create(IReadOnlyList<(Half[] Vectors, int[] Ids)> passages, int dimensions) =>
        new([.. passages.Select(p => p.Vectors)], [.. passages.Select(p => p.Ids)], dimensions);

    /// <summary>
    /// Each passage's match with the question: the mean, over the question's tokens weighted by their idf in the
    /// corpus, of the token's best cosine with any token of the passage. In [-1, 1]; 0 for a passage or a question
    /// without tokens.
    /// </summary>
    /// <param name="question">The question's token embedding (see <see cref="Read"/>).</param>
    /// <param name="ordinals">The passages to score.</param>
    /// <returns>Match by ordinal.</returns>
    public Dictionary<int, double> Match((ReadOnlyMemory<float> Vectors, int[] Ids) question, IEnumerable<int> ordinals)
    {
        ArgumentNullException.ThrowIfNull(ordinals);
        var weights = question.Ids.Select(id => _idf.GetValueOrDefault(id, _unseenIdf)).ToArray();
        var total = weights.Sum();
        var distinct = ordinals.Distinct().ToArray();
        var matches = new double[distinct.Length];
        if (total > 0)
        {
            // The candidates are independent and the search's other work is done by now: both cores share them.
            Parallel.For(0, distinct.Length, () => (Row: new float[Dimensions], Best: new float[weights.Length]), (i, _, buffers) =>
            {
                matches[i] = MatchOne(_vectors[distinct[i]], question.Vectors.Span, weights, total, buffers.Row, buffers.Best);
                return buffers;
            }, _ => { });
        }

        var scores = new Dictionary<int, double>(distinct.Length);
        for (var i = 0; i < distinct.Length; i++)
        {
            scores[distinct[i]] = matches[i];
        }

        return scores;
    }

    private double MatchOne(Half[] stored, ReadOnlySpan<float> query, double[] weights, double total, float[] row, float[] best)
    {
        var tokens = stored.Length / Dimensions;
        if (tokens == 0)
        {
            return 0;
        }

        // Each passage token once, against every question token: the question's vectors stay in the cache while
        // the passage streams through (the other way round reads the passage once per question token).
        Array.Fill(best, float.NegativeInfinity);
        for (var t = 0; t < tokens; t++)
        {
            TensorPrimitives.ConvertToSingle(stored.AsSpan(t * Dimensions, Dimensions), row);
            RaiseToDots(query, row, best);
        }

        double sum = 0;
        for (var q = 0; q < best.Length; q++)
        {
            sum += weights[q] * best[q];
        }

        return sum / total;
    }

    // best[q] = max(best[q], question token q · row) for every question token. Four question tokens per pass over the
    // row, each 8-float chunk of it loaded once for four products, with one reduction per product at the end:
    // TensorPrimitives has no batched dot product, and one Dot call per pair (reduced each time) took about 1.4 times
    // as long. The rest, and hardware without 256-bit vectors, take TensorPrimitives.Dot.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RaiseToDots(ReadOnlySpan<float> query, ReadOnlySpan<float> row, Span<float> best)
    {
        var d = row.Length;
        var q = 0;
        if (Vector256.IsHardwareAccelerated && d % Vector256<float>.Count == 0 && query.Length >= best.Length * d)
        {
            ref var r = ref MemoryMarshal.GetReference(row);
            for (; q + 4 <= best.Length; q += 4)
            {
                ref var q0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(query), q * d);
                ref var q1 = ref Unsafe.Add(ref q0, d);
                ref var q2 = ref Unsafe.Add(ref q1, d);
                ref var q3 = ref Unsafe.Add(ref q2, d);
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (nuint i = 0; i < (nuint)d; i += (nuint)Vector256<float>.Count)
                {
                    var chunk = Vector256.LoadUnsafe(ref r, i);
                    a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref q0, i), chunk, a0);
                    a1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref q1, i), chunk, a1);
                    a2 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref q2, i), chunk, a2);
                    a3 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref q3, i), chunk, a3);
                }

                best[q] = Math.Max(best[q], Vector256.Sum(a0));
                best[q + 1] = Math.Max(best[q + 1], Vector256.Sum(a1));
                best[q + 2] = Math.Max(best[q + 2], Vector256.Sum(a2));
                best[q + 3] = Math.Max(best[q + 3], Vector256.Sum(a3));
            }
        }

        for (; q < best.Length; q++)
        {
            best[q] = Math.Max(best[q], TensorPrimitives.Dot(query.Slice(q * d, d), row));
        }
    }
}
