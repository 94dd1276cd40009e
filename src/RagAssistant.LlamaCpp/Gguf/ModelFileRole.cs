namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>What a model file is loaded for: decides which download and which setting a <see cref="ModelFileException"/> names as the fix.</summary>
public enum ModelFileRole
{
    /// <summary>The chat model: <c>--model</c>, <c>ChatModel:ModelPath</c>.</summary>
    Chat,

    /// <summary>The embedding model: <c>--embedding-model</c>, <c>EmbeddingModel:ModelPath</c>.</summary>
    Embedding,
}
