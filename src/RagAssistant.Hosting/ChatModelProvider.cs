namespace RagAssistant.Hosting;

/// <summary>Where the chat model runs (<c>ChatModel:Provider</c>).</summary>
internal enum ChatModelProvider
{
    /// <summary>In process: the GGUF file <c>ChatModel:ModelPath</c> run by llama.cpp through LLamaSharp (the default).</summary>
    LlamaSharp,

    /// <summary>
    /// A server that speaks the OpenAI chat API (Ollama, vLLM, llama.cpp's llama-server, LM Studio, another
    /// RagAssistant service's <c>/v1</c>) at <c>ChatModel:Endpoint</c>, model <c>ChatModel:ModelId</c>.
    /// </summary>
    OpenAICompatible,
}
