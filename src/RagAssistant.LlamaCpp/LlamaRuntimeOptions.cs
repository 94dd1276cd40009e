using System.ComponentModel.DataAnnotations;

namespace RagAssistant.LlamaCpp;

/// <summary>Process-wide llama.cpp settings (configuration section "LlamaCpp"), validated at start.</summary>
public sealed class LlamaRuntimeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "LlamaCpp";

    /// <summary>Auto (CUDA when usable, else CPU), Cpu or Cuda.</summary>
    [EnumDataType(typeof(LlamaBackend))]
    public LlamaBackend Backend { get; set; } = LlamaBackend.Auto;

    /// <summary>
    /// A user's own llama.cpp build: <c>libllama.so</c> or the folder holding it. It must be built from the same
    /// llama.cpp commit as LLamaSharp 0.30.0. Null = LLamaSharp's packaged natives beside the program. A path that does
    /// not exist fails when the first model loads (<see cref="Native.LlamaBackendException"/>), naming the setting.
    /// </summary>
    public string? NativeLibraryPath { get; set; }
}
