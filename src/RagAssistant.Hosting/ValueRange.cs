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
    /// <param name="value">
    /// The value given, or null when it is not known (the clause is then left out). <see cref="long.MaxValue"/> and
    /// <see cref="long.MinValue"/> stand for a number beyond <see cref="long"/> and are worded "a number far larger than MAX".
    /// </param>
    /// <returns>The sentence, ending with a full stop.</returns>
    public static string Between(string name, object min, object max, object? value) =>
        $"{name} must be between {Format(min)} and {Format(max)}{Got(value, min, max)}.";

    /// <summary>"<paramref name="name"/> must be at least <paramref name="min"/>, got <paramref name="value"/>."</summary>
    /// <param name="name">What the user gave, as they named it.</param>
    /// <param name="min">The smallest allowed value.</param>
    /// <param name="value">The value given, or null when it is not known (the clause is then left out).</param>
    /// <returns>The sentence, ending with a full stop.</returns>
    public static string AtLeast(string name, object min, object? value) =>
        $"{name} must be at least {Format(min)}{Got(value, min, max: null)}.";

    // A whole number beyond long is read as long's limit (the API's WholeNumberJsonConverter): that limit is not the
    // number the client sent, so say how it compares instead.
    private static string Got(object? value, object min, object? max) => value switch
    {
        null => string.Empty,
        long.MaxValue when max is not null => $", got a number far larger than {Format(max)}",
        long.MinValue => $", got a number far smaller than {Format(min)}",
        _ => $", got {Format(value)}",
    };

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
}
