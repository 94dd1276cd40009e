using System.Text.RegularExpressions;

namespace RagAssistant.Core.Corpus;

/// <summary>
/// Estimates WordPiece/BPE token counts without a tokenizer: one token per punctuation mark, one per word
/// plus one per further 8 characters (long words split into sub-words). English prose comes out at about
/// 1.3 tokens per word, close to what bge/BERT vocabularies produce; it errs on the high side so passages fit.
/// </summary>
public sealed partial class ApproximateTokenCounter : ITokenCounter
{
    /// <summary>A shared instance; the counter is stateless.</summary>
    public static ApproximateTokenCounter Instance { get; } = new();

    /// <inheritdoc/>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var match in TokenPattern().EnumerateMatches(text))
        {
            count += match.Length <= 1 ? 1 : 1 + ((match.Length - 1) / 8);
        }

        return count;
    }

    [GeneratedRegex(@"\w+|[^\w\s]")]
    private static partial Regex TokenPattern();
}
