namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Reciprocal rank fusion (Cormack et al., 2009): each list contributes weight / (k + rank) for every item it ranks.
/// It needs no score calibration between retrievers, which is why BM25 scores and cosines can be fused.
/// </summary>
internal static class ReciprocalRankFusion
{
    /// <summary>Fuses ranked lists of ids (best first) into (id, score) pairs, best first; ties keep first-seen order.</summary>
    /// <param name="rankedLists">The lists to fuse, each best first.</param>
    /// <param name="k">The k of 1/(k + rank), at least 1: larger values flatten the head of each list.</param>
    /// <param name="weights">One weight per list (null: all 1).</param>
    /// <returns>Every item of any list once, with its fused score, best first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rankedLists"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is zero or negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="weights"/> has fewer entries than there are lists.</exception>
    public static IReadOnlyList<(T Item, double Score)> Fuse<T>(IEnumerable<IReadOnlyList<T>> rankedLists, int k, IReadOnlyList<double>? weights = null)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(rankedLists);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var scores = new Dictionary<T, double>();
        var order = new List<T>();
        var index = 0;
        foreach (var list in rankedLists)
        {
            if (weights is not null && index >= weights.Count)
            {
                throw new ArgumentException($"{weights.Count} weights for more ranked lists.", nameof(weights));
            }

            var weight = weights?[index] ?? 1;
            index++;
            for (var rank = 1; rank <= list.Count; rank++)
            {
                var item = list[rank - 1];
                if (!scores.TryGetValue(item, out var score))
                {
                    order.Add(item);
                }

                scores[item] = score + (weight / (k + rank));
            }
        }

        return order.Select((item, i) => (item, i))
            .OrderByDescending(x => scores[x.item])
            .ThenBy(x => x.i)
            .Select(x => (x.item, scores[x.item]))
            .ToList();
    }
}
