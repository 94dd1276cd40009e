namespace RagAssistant.LlamaCpp;

/// <summary>Process-wide llama.cpp settings (configuration section "LlamaCpp").</summary>
public sealed class LlamaRuntimeOptions
{
    public const string SectionName = "LlamaCpp";

    /// <summary>Auto (CUDA when usable, else CPU), Cpu or Cuda.</summary>
    public LlamaBackend Backend { get; set; } = LlamaBackend.Auto;

    /// <summary>Folder holding the native builds (<c>cpu/</c>, <c>cuda/</c>); null = <c>native/linux-x64</c> beside the program.</summary>
    public string? NativeLibraryPath { get; set; }
}
