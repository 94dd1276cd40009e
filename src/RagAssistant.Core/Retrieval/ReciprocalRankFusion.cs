namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Reciprocal rank fusion (Cormack et al., 2009): each list contributes 1 / (k + rank) for every item it ranks.
/// It needs no score calibration between retrievers, which is why BM25 scores and cosines can be fused.
/// </summary>
public static class ReciprocalRankFusion
{
    /// <summary>Fuses ranked lists of ids (best first) into (id, score) pairs, best first; ties keep first-seen order.</summary>
    public static IReadOnlyList<(T Item, double Score)> Fuse<T>(IEnumerable<IReadOnlyList<T>> rankedLists, int k)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(rankedLists);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var scores = new Dictionary<T, double>();
        var order = new List<T>();
        foreach (var list in rankedLists)
        {
            for (var rank = 1; rank <= list.Count; rank++)
            {
                var item = list[rank - 1];
                if (!scores.TryGetValue(item, out var score))
                {
                    order.Add(item);
                }

                scores[item] = score + (1.0 / (k + rank));
            }
        }

        return order.Select((item, i) => (item, i))
            .OrderByDescending(x => scores[x.item])
            .ThenBy(x => x.i)
            .Select(x => (x.item, scores[x.item]))
            .ToList();
    }
}
