using System.Text;

namespace RagAssistant.Core.Answering;

/// <summary>
/// A deliberately pessimistic token estimate for when the chat model's tokenizer is not available: the larger of
/// one token per whitespace-separated word and one token per 3 UTF-8 bytes. BPE vocabularies average about 4 bytes
/// per token on English and about one token per character (2-3 bytes) on other scripts, so this over-counts and the
/// packed prompt fits.
/// </summary>
public sealed class ApproximateChatTokenizer(int contextSize) : IChatTokenizer
{
    private const int BytesPerToken = 3;

    /// <inheritdoc/>
    public int ContextSize { get; } = contextSize;

    /// <inheritdoc/>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var isSpace = char.IsWhiteSpace(c);
            if (!isSpace && !inWord)
            {
                words++;
            }

            inWord = !isSpace;
        }

        var byBytes = (Encoding.UTF8.GetByteCount(text) + BytesPerToken - 1) / BytesPerToken;
        return Math.Max(words, byBytes);
    }
}
