namespace RagAssistant.Core.Tests;

/// <summary>The one fallback count over-counts what BPE and WordPiece tokenizers produce, so what it packs fits.</summary>
public sealed class ApproximateTokenizerTests
{
    [Theory]
    // English prose: BPE averages about 4 bytes per token; the count allows 3.
    [InlineData("The model achieves state of the art results on three benchmarks.", 22)]
    // Other scripts: about one token per character; 3 UTF-8 bytes each here.
    [InlineData("大型语言模型的能力密度", 11)]
    // Punctuation-dense text: a token per mark, more than the bytes rule gives.
    [InlineData("a,b;c:d!e?f.", 12)]
    [InlineData("", 0)]
    public void Counts_the_larger_of_the_byte_and_word_piece_estimates(string text, int expected)
    {
        Assert.Equal(expected, ApproximateTokenizer.Instance.CountTokens(text));
    }

    [Fact]
    public void The_context_size_is_the_configured_one_or_unknown()
    {
        Assert.Equal(8192, ((ITokenizer)new ApproximateTokenizer(8192)).ContextSize);
        Assert.Null(((ITokenizer)ApproximateTokenizer.Instance).ContextSize);
        Assert.Null(((ITokenizer)ApproximateTokenizer.Instance).CountPromptTokens([]));
    }
}
