using System.Text;

namespace RagAssistant.Hosting;

/// <summary>
/// The one rule for a file name made from text a user or a client chose: an uploaded document's name (the service's
/// uploads) and a conversation's title (its Markdown export, from the service and the console chat).
/// </summary>
public static class SafeFileStem
{
    /// <summary>Longest stem, in characters.</summary>
    public const int MaxLength = 60;

    /// <summary>Letters and digits (any script), '-' and '_'; everything else becomes '-'; never empty, never hidden.</summary>
    /// <param name="text">The name (or a title) to reduce.</param>
    /// <param name="fallback">The stem when nothing of <paramref name="text"/> is left.</param>
    /// <returns>The stem, at most <see cref="MaxLength"/> characters.</returns>
    public static string From(string text, string fallback)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(Math.Min(text.Length, MaxLength));
        foreach (var c in text.Normalize(NormalizationForm.FormC))
        {
            if (builder.Length == MaxLength)
            {
                break;
            }

            var ok = char.IsLetterOrDigit(c) || c is '-' or '_';
            if (ok || (builder.Length > 0 && builder[^1] != '-'))
            {
                builder.Append(ok ? c : '-');
            }
        }

        var safe = builder.ToString().Trim('-');
        return safe.Length == 0 ? fallback : safe;
    }
}
