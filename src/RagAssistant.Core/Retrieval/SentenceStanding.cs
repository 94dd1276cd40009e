using System.Numerics.Tensors;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// The sentence-level evidence of the relevance gate: for every passage, the cosine of its best sentence to the query,
/// as a standard score over all the corpus's passages, (best − mean) / standard deviation. A covered question has a
/// passage whose best sentence stands far above the corpus background; an absent topic that reuses the corpus's
/// vocabulary lifts every passage about alike. With <see cref="StandOut"/> (whether the best paper stands out from
/// the tenth best), it separated unanswerable questions best, cross-validated over the dev, held-out and reworded sets
/// (Retrieval/README.md, "Cross-validated choices").
/// </summary>
/// <remarks>
/// Built once per index snapshot from the sentence vectors the index embeds after its passages
/// (<see cref="ISourceSentenceVectors"/>), and only once every sentence has one: until then the gate keeps the cosine.
/// Scoring a query is one dot product per sentence (2,674 of dimension 384 for the shipped corpus, well under a
/// millisecond).
/// </remarks>
internal sealed class SentenceStanding
{
    /// <summary>A standard score needs a background: with fewer passages than this the gate keeps the cosine.</summary>
    public const int MinPassages = 20;

    private readonly float[] _rows;
    private readonly int[] _owner;
    private readonly int _passages;
    private readonly int _dimensions;

    private SentenceStanding(float[] rows, int[] owner, int passages, int dimensions)
    {
        _rows = rows;
        _owner = owner;
        _passages = passages;
        _dimensions = dimensions;
    }

    /// <summary>
    /// The standing of a corpus whose passages have <paramref name="sentencesByPassage"/>, or null when a sentence has
    /// no vector yet, the vectors differ in length, or there are fewer than <see cref="MinPassages"/> passages.
    /// </summary>
    /// <param name="sentencesByPassage">Each passage's sentences, by passage ordinal (<see cref="CorpusIndex.SentencesOf"/>).</param>
    /// <param name="vectors">The sentence vectors computed so far.</param>
    /// <param name="cancellationToken">Cancels the read of the sentence vectors.</param>
    public static async Task<SentenceStanding?> TryCreateAsync(IReadOnlyList<IReadOnlyList<string>> sentencesByPassage, ISourceSentenceVectors vectors, CancellationToken cancellationToken)
    {
        if (sentencesByPassage.Count < MinPassages)
        {
            return null;
        }

        var stored = await vectors.GetAsync(sentencesByPassage.SelectMany(s => s), cancellationToken).ConfigureAwait(false);

        var found = new List<ReadOnlyMemory<float>>();
        var owner = new List<int>();
        for (var p = 0; p < sentencesByPassage.Count; p++)
        {
            foreach (var sentence in sentencesByPassage[p])
            {
                if (!stored.TryGetValue(sentence, out var vector) || vector.Length == 0 || (found.Count > 0 && vector.Length != found[0].Length))
                {
                    return null;
                }

                found.Add(vector);
                owner.Add(p);
            }
        }

        if (found.Count == 0)
        {
            return null;
        }

        // Unit rows: the score is then a dot product.
        var dimensions = found[0].Length;
        var rows = new float[found.Count * dimensions];
        for (var i = 0; i < found.Count; i++)
        {
            var row = rows.AsSpan(i * dimensions, dimensions);
            found[i].Span.CopyTo(row);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                TensorPrimitives.Divide(row, norm, row);
            }
        }

        return new SentenceStanding(rows, [.. owner], sentencesByPassage.Count, dimensions);
    }

    /// <summary>
    /// Each passage's best-sentence standard score for <paramref name="query"/>, by passage ordinal; a passage without
    /// sentences gets negative infinity. Null when the query's dimension differs from the sentences'.
    /// </summary>
    /// <param name="query">The query vector (any length scale).</param>
    public double[]? StandardScores(ReadOnlySpan<float> query)
    {
        if (query.Length != _dimensions)
        {
            return null;
        }

        var norm = TensorPrimitives.Norm(query);
        var best = new double[_passages];
        Array.Fill(best, double.NegativeInfinity);
        for (var i = 0; i < _owner.Length; i++)
        {
            var cosine = norm > 0 ? TensorPrimitives.Dot(query, _rows.AsSpan(i * _dimensions, _dimensions)) / norm : 0;
            best[_owner[i]] = Math.Max(best[_owner[i]], cosine);
        }

        double sum = 0, squares = 0;
        var counted = 0;
        foreach (var b in best.Where(double.IsFinite))
        {
            sum += b;
            squares += b * b;
            counted++;
        }

        var mean = sum / counted;
        var sd = Math.Sqrt(Math.Max(squares / counted - mean * mean, 0));
        for (var p = 0; p < best.Length; p++)
        {
            best[p] = !double.IsFinite(best[p]) ? double.NegativeInfinity : sd > 0 ? (best[p] - mean) / sd : 0;
        }

        return best;
    }

    /// <summary>
    /// How far the best paper stands out from the crowd of near-best ones: the best paper's standard score minus the
    /// <paramref name="rank"/>-th best paper's (each paper scored by its best passage), a score-gap predictor of
    /// whether the search found something specific. A question about one paper, or a few, has a gap of a standard
    /// deviation or more; an absent topic that reuses the corpus's words lifts many papers about alike, so its best
    /// stands little above the tenth.
    /// </summary>
    /// <param name="scores">Each passage's standard score, by ordinal (<see cref="StandardScores"/>).</param>
    /// <param name="paperOfPassage">Each passage's paper, as an index below <paramref name="papers"/>, by ordinal.</param>
    /// <param name="papers">How many papers the corpus has.</param>
    /// <param name="rank">The paper compared with the best (10: the tenth best).</param>
    /// <returns>The gap in standard deviations; null when the corpus has fewer than <paramref name="rank"/> papers with a score.</returns>
    /// <remarks>Runs on every search: one pass over the passages and a heap of <paramref name="rank"/> papers, no sort.</remarks>
    public static double? StandOut(IReadOnlyList<double> scores, IReadOnlyList<int> paperOfPassage, int papers, int rank)
    {
        if (rank < 2)
        {
            return null;
        }

        var byPaper = new double[papers];
        Array.Fill(byPaper, double.NegativeInfinity);
        for (var p = 0; p < scores.Count; p++)
        {
            byPaper[paperOfPassage[p]] = Math.Max(byPaper[paperOfPassage[p]], scores[p]);
        }

        // The best and the rank-th best paper: a min-heap of the rank best scores seen.
        var best = double.NegativeInfinity;
        var top = new PriorityQueue<double, double>(rank);
        foreach (var score in byPaper.Where(double.IsFinite))
        {
            best = Math.Max(best, score);
            if (top.Count < rank)
            {
                top.Enqueue(score, score);
            }
            else if (score > top.Peek())
            {
                top.EnqueueDequeue(score, score);
            }
        }

        return top.Count < rank ? null : best - top.Peek();
    }
}
