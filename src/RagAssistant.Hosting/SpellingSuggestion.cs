namespace RagAssistant.Hosting;

/// <summary>
/// "Did you mean ...?" for every name a person types: settings, options and commands. The closest known name by edit
/// distance (case-insensitive), when it is close enough to be a typo: at most 2 edits, or a quarter of the length.
/// </summary>
public static class SpellingSuggestion
{
    /// <summary>The known name closest to <paramref name="typed"/>, or null when none is close enough.</summary>
    /// <param name="typed">What the user typed (<c>--topk</c>, <c>asks</c>, <c>Retrieval:TopKK</c>).</param>
    /// <param name="known">The names that exist.</param>
    /// <returns>The suggestion; ties go to the ordinal first.</returns>
    public static string? Closest(string typed, IEnumerable<string> known) =>
        known
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(name => (Name: name, Distance: EditDistance(typed.ToUpperInvariant(), name.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(2, typed.Length / 4))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();

    /// <summary>" Did you mean NAME?" for the closest known name, or an empty string.</summary>
    /// <param name="typed">What the user typed.</param>
    /// <param name="known">The names that exist.</param>
    public static string DidYouMean(string typed, IEnumerable<string> known) =>
        Closest(typed, known) is { } closest ? $" Did you mean {closest}?" : string.Empty;

    // Levenshtein distance.
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
