namespace RagAssistant.LlamaCpp;

/// <summary>Which llama.cpp build runs the models.</summary>
public enum LlamaBackend
{
    /// <summary>CUDA when built with -p:LlamaCuda=true, a CUDA 12 runtime is installed and a GPU is visible; otherwise CPU. One log line says which and why.</summary>
    Auto,

    /// <summary>LLamaSharp.Backend.Cpu; LLamaSharp picks the avx512, avx2, avx or noavx build for the processor.</summary>
    Cpu,

    /// <summary>LLamaSharp.Backend.Cuda12; start-up fails with the reason when it cannot run (never a silent CPU fallback).</summary>
    Cuda,
}
