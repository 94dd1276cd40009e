namespace RagAssistant.Core.Corpus;

/// <summary>
/// Counts tokens as the embedding model sees them, so passages fit its context. Register the model-backed one
/// as a keyed singleton under <see cref="EmbeddingKey"/>; without it <see cref="ApproximateTokenCounter"/> is used.
/// </summary>
public interface ITokenCounter
{
    /// <summary>The DI service key for the embedding model's token counter.</summary>
    public const string EmbeddingKey = "embedding";

    /// <summary>Number of tokens <paramref name="text"/> encodes to (without special tokens).</summary>
    int CountTokens(string text);
}
