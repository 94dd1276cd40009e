using RagAssistant.Core;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Hosting.Composition;

/// <summary>Counts tokens as the bundled embedding model sees them, so long documents are split into passages that fit it.</summary>
internal sealed class ArcticEmbeddingTokenizer(ArcticEmbeddingGenerator generator) : ITokenizer
{
    public int CountTokens(string text) => generator.CountTokens(text);
}
