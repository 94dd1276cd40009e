using System.Text;
using System.Text.RegularExpressions;

namespace RagAssistant.Core;

/// <summary>
/// A deliberately pessimistic token count for when the model's own tokenizer is not available (a model server, BM25
/// only), so packed prompts and split passages still fit: the larger of one token per 3 UTF-8 bytes and a
/// WordPiece-style count (one token per punctuation mark, one per word plus one per further 8 characters). BPE
/// vocabularies average about 4 bytes per token on English and about one token per character (2-3 bytes) on other
/// scripts, and split punctuation-dense text at almost every mark, so this over-counts all three.
/// </summary>
/// <param name="contextSize">The model's context in tokens, when known (a model server's configured context).</param>
public sealed partial class ApproximateTokenizer(int? contextSize = null) : ITokenizer
{
    private const int BytesPerToken = 3;

    /// <summary>A shared instance that knows no context size; the count is stateless.</summary>
    public static ApproximateTokenizer Instance { get; } = new();

    /// <inheritdoc/>
    public int? ContextSize { get; } = contextSize;

    /// <inheritdoc/>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = 0;
        foreach (var match in TokenPattern().EnumerateMatches(text))
        {
            pieces += match.Length <= 1 ? 1 : 1 + ((match.Length - 1) / 8);
        }

        var byBytes = (Encoding.UTF8.GetByteCount(text) + BytesPerToken - 1) / BytesPerToken;
        return Math.Max(pieces, byBytes);
    }

    [GeneratedRegex(@"\w+|[^\w\s]")]
    private static partial Regex TokenPattern();
}
