using Microsoft.Extensions.VectorData;

namespace RagAssistant.Core.VectorStore;

/// <summary>How a distance function maps the index's dot product to the score callers see.</summary>
internal sealed record ScoreKind(string Function, bool Normalize, bool HigherIsBetter)
{
    private static readonly ScoreKind CosineSimilarity = new(DistanceFunction.CosineSimilarity, Normalize: true, HigherIsBetter: true);
    private static readonly ScoreKind CosineDistance = new(DistanceFunction.CosineDistance, Normalize: true, HigherIsBetter: false);
    private static readonly ScoreKind DotProduct = new(DistanceFunction.DotProductSimilarity, Normalize: false, HigherIsBetter: true);

    public static ScoreKind Of(string? distanceFunction) => distanceFunction switch
    {
        null or DistanceFunction.CosineSimilarity => CosineSimilarity,
        DistanceFunction.CosineDistance => CosineDistance,
        DistanceFunction.DotProductSimilarity => DotProduct,
        _ => throw new NotSupportedException(
            $"Distance function '{distanceFunction}' is not supported by the in-memory store; use {DistanceFunction.CosineSimilarity}, {DistanceFunction.CosineDistance} or {DistanceFunction.DotProductSimilarity}."),
    };

    /// <summary>The score reported for a dot product (cosine similarity when normalised).</summary>
    public double Score(float similarity) => HigherIsBetter ? similarity : 1 - similarity;

    /// <summary>The least similarity that satisfies a score threshold (a maximum, for distances).</summary>
    public float MinSimilarity(double threshold) => (float)(HigherIsBetter ? threshold : 1 - threshold);
}
