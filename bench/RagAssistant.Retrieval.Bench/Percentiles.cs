namespace RagAssistant.Retrieval.Bench;

/// <summary>Latency summary in milliseconds.</summary>
internal sealed record LatencySummary(int Samples, double P50Ms, double P99Ms, double MeanMs, double MaxMs)
{
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return new LatencySummary(
            sorted.Length,
            Math.Round(At(sorted, 0.50), 4),
            Math.Round(At(sorted, 0.99), 4),
            Math.Round(sorted.Average(), 4),
            Math.Round(sorted[^1], 4));
    }

    // Nearest-rank percentile.
    private static double At(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
