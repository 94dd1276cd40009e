namespace RagAssistant.Hosting;

/// <summary>
/// What the assistant runs on, for /model, /api/status and the start-up banner: plain data, published by
/// <see cref="Startup.AssistantStartup"/> once the models are loaded (see <see cref="Startup.AssistantReadiness.Runtime"/>).
/// </summary>
/// <param name="ChatModelPath">The chat model file, or null in retrieval-only mode.</param>
/// <param name="ChatModelDescription">Architecture, size and quantization as llama.cpp reports them, or null.</param>
/// <param name="EmbeddingModelPath">The embedding model file, or null when retrieval is BM25 only.</param>
/// <param name="Backend">"cpu" or "cuda" (with the device name), or "none" when no model is loaded.</param>
/// <param name="ContextSize">Chat context size in tokens (0 without a chat model).</param>
/// <param name="Threads">CPU threads used for generation.</param>
/// <param name="CorpusFolder">The corpus folder being indexed.</param>
/// <param name="RetrievalOnly">True when answers are extracted, not generated.</param>
/// <param name="Notices">Why something is missing, each with how to fix it (the fetch instruction is the front end's <see cref="Startup.IModelDownloadHint"/>).</param>
/// <param name="EmbeddingModelDescription">The embedder in words (the bundled model, or the GGUF file name), or null when retrieval is BM25 only.</param>
public sealed record AssistantRuntimeInfo(
    string? ChatModelPath,
    string? ChatModelDescription,
    string? EmbeddingModelPath,
    string Backend,
    int ContextSize,
    int Threads,
    string CorpusFolder,
    bool RetrievalOnly,
    IReadOnlyList<string> Notices,
    string? EmbeddingModelDescription = null);
