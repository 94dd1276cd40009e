using System.Globalization;

namespace RagAssistant.Hosting;

/// <summary>
/// The one wording of a value outside its range, for a setting, a command-line option and an API field alike:
/// "NAME must be between MIN and MAX, got VALUE." (or "must be at least MIN, got VALUE.").
/// </summary>
public static class ValueRange
{
    /// <summary>"<paramref name="name"/> must be between <paramref name="min"/> and <paramref name="max"/>, got <paramref name="value"/>."</summary>
    /// <param name="name">What the user gave, as they named it (<c>top_k</c>, <c>--top-k</c>, <c>Retrieval:TopK</c>).</param>
    /// <param name="min">The smallest allowed value.</param>
    /// <param name="max">The largest allowed value.</param>
    /// <param name="value">The value given, or null when it is not known (the clause is then left out).</param>
    /// <returns>The sentence, ending with a full stop.</returns>
    public static string Between(string name, object min, object max, object? value) =>
        $"{name} must be between {Format(min)} and {Format(max)}{Got(value)}.";

    /// <summary>"<paramref name="name"/> must be at least <paramref name="min"/>, got <paramref name="value"/>."</summary>
    /// <param name="name">What the user gave, as they named it.</param>
    /// <param name="min">The smallest allowed value.</param>
    /// <param name="value">The value given, or null when it is not known (the clause is then left out).</param>
    /// <returns>The sentence, ending with a full stop.</returns>
    public static string AtLeast(string name, object min, object? value) =>
        $"{name} must be at least {Format(min)}{Got(value)}.";

    private static string Got(object? value) => value is null ? string.Empty : $", got {Format(value)}";

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
}
