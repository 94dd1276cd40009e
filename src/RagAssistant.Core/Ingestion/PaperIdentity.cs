using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Title normalisation and the stable paper id derived from it. The same paper scraped twice, with different
/// case or punctuation, gets the same id; ids survive re-parsing, file renames and re-ordering.
/// </summary>
public static class PaperIdentity
{
    private const int SlugMaxLength = 40;

    /// <summary>Lower-cases and collapses every run of non-alphanumerics to one space ("LoRA: Low-Rank" → "lora low rank").</summary>
    /// <param name="title">The title as scraped.</param>
    /// <returns>The normalised title; empty when it has no letters or digits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="title"/> is null.</exception>
    public static string NormalizeTitle(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        var builder = new StringBuilder(title.Length);
        var pendingSpace = false;
        foreach (var c in title.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c))
            {
                if (pendingSpace && builder.Length > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(char.ToLowerInvariant(c));
                pendingSpace = false;
            }
            else
            {
                pendingSpace = true;
            }
        }

        return builder.ToString();
    }

    /// <summary>A readable, stable id: a short slug of the normalised title plus a hash of all of it.</summary>
    /// <param name="title">The title as scraped; case and punctuation do not change the id.</param>
    /// <returns>E.g. "lora-low-rank-adaptation-of-large-language-3f2a9c1b": up to 40 slug characters, a dash and 8 hex digits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="title"/> is null.</exception>
    public static string CreateId(string title)
    {
        var normalized = NormalizeTitle(title);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(normalized));
        var suffix = Convert.ToHexStringLower(hash.AsSpan(0, 4));
        var slug = normalized.Replace(' ', '-');
        if (slug.Length > SlugMaxLength)
        {
            var cut = slug.LastIndexOf('-', SlugMaxLength);
            slug = slug[..(cut > 0 ? cut : SlugMaxLength)];
        }

        return slug.Length == 0 ? suffix : string.Create(CultureInfo.InvariantCulture, $"{slug}-{suffix}");
    }
}
