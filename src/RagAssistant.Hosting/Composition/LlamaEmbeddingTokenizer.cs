using RagAssistant.Core;
using RagAssistant.LlamaCpp.Embeddings;

namespace RagAssistant.Hosting.Composition;

/// <summary>Counts tokens as the embedding model sees them, so long documents are split into passages that fit it.</summary>
internal sealed class LlamaEmbeddingTokenizer(LlamaEmbeddingGenerator generator) : ITokenizer
{
    public int CountTokens(string text) => generator.Model.CountTokens(text);
}
