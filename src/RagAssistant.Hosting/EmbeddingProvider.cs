namespace RagAssistant.Hosting;

/// <summary>Which embedding model dense retrieval uses (<c>EmbeddingModel:Provider</c>).</summary>
internal enum EmbeddingProvider
{
    /// <summary>arctic-embed-xs, shipped inside the application and run by ONNX Runtime: no download.</summary>
    Bundled,

    /// <summary>A GGUF embedding model (<c>EmbeddingModel:ModelPath</c>, e.g. bge-small) run by llama.cpp.</summary>
    Gguf,

    /// <summary>No embedding model: retrieval is BM25 only.</summary>
    None,

    /// <summary>
    /// A server that speaks the OpenAI embeddings API at <c>EmbeddingModel:Endpoint</c>, model
    /// <c>EmbeddingModel:ModelId</c> (e.g. Ollama's nomic-embed-text, vLLM, llama-server started with --embeddings).
    /// </summary>
    OpenAICompatible,
}
