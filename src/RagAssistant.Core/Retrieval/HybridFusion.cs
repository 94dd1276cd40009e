using System.Numerics.Tensors;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Combines BM25 and dense candidates into one ranking, by <see cref="RetrievalOptions.Fusion"/>. Every method
/// scores the union of the candidate lists; the dense cosine is computed for BM25-only candidates too, so no
/// passage is penalised just for missing the other list's cut. With a second dense retriever
/// (<see cref="SecondDenseSignal"/>) its list joins the union and its cosine the score, at
/// <see cref="RetrievalOptions.SecondDenseWeight"/>; with the token-level match (<see cref="TokenMatchSignal"/>) its
/// match of the best <see cref="RetrievalOptions.TokenMatchDepth"/> candidates so far, at <see cref="RetrievalOptions.TokenMatchWeight"/>;
/// then the question's first clause (<see cref="AddFirstClause"/>; normalised-score combination only), at
/// <see cref="RetrievalOptions.FirstClauseWeight"/>.
/// </summary>
internal static class HybridFusion
{
    /// <summary>Ranks the candidates, best first.</summary>
    /// <remarks><paramref name="vectors"/> are the candidates' stored vectors (<see cref="IndexSnapshot.PassageVectorsAsync"/>); a candidate without one (removed by a concurrent update) is left out.
    /// A candidate without a second vector scores the second list's lowest.</remarks>
    public static IReadOnlyList<(int Ordinal, double Score)> Fuse(
        IndexSnapshot snapshot,
        RetrievalOptions options,
        IReadOnlyList<string> queryTerms,
        ReadOnlyMemory<float> queryVector,
        IReadOnlyList<Bm25Hit> bm25,
        IReadOnlyList<(int Ordinal, double Score)> dense,
        IReadOnlyDictionary<int, ReadOnlyMemory<float>> vectors,
        SecondDenseSignal? second = null,
        TokenMatchSignal? tokens = null)
    {
        var secondHits = second?.Hits ?? [];
        var candidates = bm25.Select(h => h.Ordinal).Concat(dense.Select(h => h.Ordinal)).Concat(secondHits.Select(h => h.Ordinal)).Distinct().Where(vectors.ContainsKey).ToList();
        var cosine = candidates.ToDictionary(o => o, o => (double)TensorPrimitives.CosineSimilarity(queryVector.Span, vectors[o].Span));
        var secondCosine = second is null ? [] : candidates.Where(second.Vectors.ContainsKey).ToDictionary(o => o, o => (double)TensorPrimitives.CosineSimilarity(second.Query.Span, second.Vectors[o].Span));
        Dictionary<int, double> scores;
        switch (options.Fusion)
        {
            case FusionMethod.ReciprocalRank:
                scores = ReciprocalRankFusion.Fuse<int>([bm25.Select(h => h.Ordinal).ToList(), dense.Select(h => h.Ordinal).ToList(), secondHits.Select(h => h.Ordinal).ToList()], options.RrfK, [options.Bm25Weight, options.DenseWeight, options.SecondDenseWeight])
                    .ToDictionary(x => x.Item, x => x.Score);
                break;
            case FusionMethod.NormalizedScore:
                var bestBm25 = bm25.Count > 0 ? bm25.Max(h => h.Score) : 0;
                var bm25Score = bm25.ToDictionary(h => h.Ordinal, h => bestBm25 > 0 ? h.Score / bestBm25 : 0);
                var denseScore = MinMax(cosine);
                var secondScore = MinMax(secondCosine);
                scores = candidates.ToDictionary(
                    o => o,
                    o => (options.Bm25Weight * bm25Score.GetValueOrDefault(o)) + (options.DenseWeight * denseScore[o]) + (options.SecondDenseWeight * secondScore.GetValueOrDefault(o)));
                break;
            default:
                var rare = RareTerms(snapshot.Bm25, queryTerms, options.RareTermMaxDocumentShare);
                scores = candidates.ToDictionary(
                    o => o,
                    o => cosine[o] + (rare.Count == 0 ? 0 : options.RareTermBoost * snapshot.Bm25.Relevance(rare, o)));
                break;
        }

        // Ties keep the dense order, then BM25's: deterministic, and the better single retriever decides.
        var denseRank = dense.Select((h, i) => (h.Ordinal, i)).ToDictionary(x => x.Ordinal, x => x.i);
        if (tokens is not null && options.TokenMatchWeight > 0 && options.Fusion != FusionMethod.DenseFirst)
        {
            // The token match scores the fusion's best TokenMatchDepth candidates only: its cost grows with each
            // passage it reads, and a passage further down does not reach the top ten on it (cross-validated).
            var scored = candidates.OrderByDescending(o => scores[o]).ThenBy(o => denseRank.GetValueOrDefault(o, int.MaxValue)).Take(options.TokenMatchDepth).ToList();
            var match = tokens.Vectors.Match(tokens.Question, scored);
            if (options.Fusion == FusionMethod.ReciprocalRank)
            {
                var rank = 0;
                foreach (var o in scored.OrderByDescending(o => match[o]))
                {
                    scores[o] += options.TokenMatchWeight / (options.RrfK + ++rank);
                }
            }
            else
            {
                foreach (var (o, value) in MinMax(match))
                {
                    scores[o] += options.TokenMatchWeight * value;
                }
            }
        }

        return candidates
            .OrderByDescending(o => scores[o])
            .ThenBy(o => denseRank.GetValueOrDefault(o, int.MaxValue))
            .Select(o => (o, scores[o]))
            .ToList();
    }

    /// <summary>
    /// Adds the question's first clause (<see cref="QuestionClauses"/>) to a normalised-score ranking: its cosine to
    /// each ranked candidate, min-max normalised over them, times <paramref name="weight"/>; ranked again, ties in the
    /// dense order. It comes after the token match, which scores the best candidates of the retrievers' own fusion,
    /// as cross-validated (Retrieval/README.md), and it scores the candidates only: its own nearest passages, added to
    /// them, changed no question's ranking on the three question sets.
    /// </summary>
    /// <param name="ranked">The fused ranking (<see cref="Fuse"/>), best first.</param>
    /// <param name="clause">The first clause's vector (the first embedder's, unit length).</param>
    /// <param name="vectors">The candidates' stored vectors (the first embedder's); a candidate without one keeps its score.</param>
    /// <param name="weight"><see cref="RetrievalOptions.FirstClauseWeight"/>.</param>
    /// <param name="dense">The dense retriever's hits, best first: the tie-break.</param>
    public static IReadOnlyList<(int Ordinal, double Score)> AddFirstClause(
        IReadOnlyList<(int Ordinal, double Score)> ranked,
        ReadOnlyMemory<float> clause,
        IReadOnlyDictionary<int, ReadOnlyMemory<float>> vectors,
        double weight,
        IReadOnlyList<(int Ordinal, double Score)> dense)
    {
        var cosine = ranked.Where(h => vectors.ContainsKey(h.Ordinal)).ToDictionary(h => h.Ordinal, h => (double)TensorPrimitives.CosineSimilarity(clause.Span, vectors[h.Ordinal].Span));
        var clauseScore = MinMax(cosine);
        var denseRank = dense.Select((h, i) => (h.Ordinal, i)).ToDictionary(x => x.Ordinal, x => x.i);
        return ranked
            .Select(h => (h.Ordinal, Score: h.Score + (weight * clauseScore.GetValueOrDefault(h.Ordinal))))
            .OrderByDescending(h => h.Score)
            .ThenBy(h => denseRank.GetValueOrDefault(h.Ordinal, int.MaxValue))
            .ToList();
    }

    // Each value rescaled from the values' [min, max] to [0, 1].
    private static Dictionary<int, double> MinMax(Dictionary<int, double> values)
    {
        var low = values.Count == 0 ? 0 : values.Values.Min();
        var span = Math.Max((values.Count == 0 ? 0 : values.Values.Max()) - low, 1e-9);
        return values.ToDictionary(x => x.Key, x => (x.Value - low) / span);
    }

    /// <summary>Distinct query terms found in at least one and at most <paramref name="maxShare"/> of the passages.</summary>
    internal static List<string> RareTerms(Bm25Index bm25, IReadOnlyList<string> queryTerms, double maxShare)
    {
        var limit = Math.Max(1, (int)Math.Floor(maxShare * bm25.Count));
        return queryTerms.Distinct(StringComparer.Ordinal)
            .Where(t => bm25.DocumentFrequency(t) is var df && df >= 1 && df <= limit)
            .ToList();
    }
}

/// <summary>The second dense retriever's part in a search: its query vector, its own top candidates and the candidates' vectors.</summary>
/// <param name="Query">The query embedded by the second model (unit length).</param>
/// <param name="Hits">Its nearest passages, best first (ordinal, cosine).</param>
/// <param name="Vectors">Its vectors of every candidate of the search, by ordinal.</param>
internal sealed record SecondDenseSignal(ReadOnlyMemory<float> Query, IReadOnlyList<(int Ordinal, double Score)> Hits, IReadOnlyDictionary<int, ReadOnlyMemory<float>> Vectors);

/// <summary>The token-level match's part in a search: the index's token vectors and the question's.</summary>
/// <param name="Vectors">The passages' token vectors (<see cref="IndexSnapshot.Tokens"/>).</param>
/// <param name="Question">The question's token vectors and vocabulary ids (<see cref="TokenVectors.Read"/>).</param>
internal sealed record TokenMatchSignal(TokenVectors Vectors, (ReadOnlyMemory<float> Vectors, int[] Ids) Question);
