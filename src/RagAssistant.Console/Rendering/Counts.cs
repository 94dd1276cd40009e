using System.Globalization;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// How the console writes a count: invariant digits with thousands separators ("2,674"), so that a progress line and
/// the summary after it write one number one way, whatever the machine's culture.
/// </summary>
internal static class Counts
{
    /// <summary>"2,674".</summary>
    public static string Format(int count) => count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"1 paper", "2,674 passages".</summary>
    public static string Of(int count, string noun) => count == 1 ? $"1 {noun}" : $"{Format(count)} {noun}s";

    /// <summary>"1,200/2,674": done of a total, as the progress lines write it.</summary>
    public static string Ratio(int done, int total) => $"{Format(done)}/{Format(total)}";
}
