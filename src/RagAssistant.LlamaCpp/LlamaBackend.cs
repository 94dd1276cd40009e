namespace RagAssistant.LlamaCpp;

/// <summary>Which llama.cpp build runs the models.</summary>
public enum LlamaBackend
{
    /// <summary>CUDA where its libraries are installed and a GPU is visible, otherwise CPU.</summary>
    Auto,

    /// <summary>The CPU build; ggml picks the best variant for the processor.</summary>
    Cpu,

    /// <summary>The CUDA build; start-up fails with the reason when it cannot run.</summary>
    Cuda,
}
