namespace RagAssistant.LlamaCpp;

/// <summary>Process-wide llama.cpp settings (configuration section "LlamaCpp").</summary>
public sealed class LlamaRuntimeOptions
{
    public const string SectionName = "LlamaCpp";

    /// <summary>Auto (CUDA when usable, else CPU), Cpu or Cuda.</summary>
    public LlamaBackend Backend { get; set; } = LlamaBackend.Auto;

    /// <summary>
    /// A user's own llama.cpp build: <c>libllama.so</c> or the folder holding it. It must be built from the same
    /// llama.cpp commit as LLamaSharp 0.30.0. Null = LLamaSharp's packaged natives beside the program.
    /// </summary>
    public string? NativeLibraryPath { get; set; }
}
