using Microsoft.Extensions.Logging;
using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>Quantizes a GGUF model through <c>llama_model_quantize</c>.</summary>
public static unsafe class LlamaQuantizer
{
    /// <summary>Writes <paramref name="output"/> as <paramref name="type"/>; tensors whose rows do not fit the block size fall back to another type (llama.cpp logs it).</summary>
    /// <param name="threads">Worker threads; 0 = all cores.</param>
    public static void Quantize(string input, string output, LlamaFileType type, int threads = 0, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        GgufValidator.Validate(input);
        LlamaNativeLibrary.EnsureInitialized(loggerFactory: loggerFactory);
        var parameters = NativeMethods.llama_model_quantize_default_params();
        parameters.FType = (int)type;
        parameters.NThread = threads;
        var result = NativeMethods.llama_model_quantize(Path.GetFullPath(input), Path.GetFullPath(output), &parameters);
        if (result != 0)
        {
            throw new InvalidOperationException($"llama.cpp could not quantize {input} to {type} (error {result}); see the log for its reason.");
        }
    }
}
