using LLama;
using LLama.Native;
using Microsoft.Extensions.Logging;
using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.Testing.Models;

/// <summary>Target types for <see cref="ModelQuantizer"/> (llama.cpp's <c>llama_ftype</c> values).</summary>
public enum QuantizedFileType
{
    F16 = LLamaFtype.MOSTLY_F16,
    Q8_0 = LLamaFtype.MOSTLY_Q8_0,
    Q4_K_S = LLamaFtype.MOSTLY_Q4_K_S,
    Q4_K_M = LLamaFtype.MOSTLY_Q4_K_M,
    Q5_K_M = LLamaFtype.MOSTLY_Q5_K_M,
    Q6_K = LLamaFtype.MOSTLY_Q6_K,
}

/// <summary>Quantizes a GGUF model with llama.cpp through LLamaSharp's <see cref="LLamaQuantizer"/>.</summary>
public static class ModelQuantizer
{
    /// <summary>Writes <paramref name="output"/> as <paramref name="type"/>; tensors whose rows do not fit the block size fall back to another type (llama.cpp logs it).</summary>
    /// <param name="threads">Worker threads; 0 = all cores.</param>
    /// <exception cref="ModelFileException"><paramref name="input"/> is not a valid GGUF model.</exception>
    /// <exception cref="InvalidOperationException">llama.cpp failed to quantize.</exception>
    public static void Quantize(string input, string output, QuantizedFileType type, int threads = 0, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        GgufValidator.Validate(input);
        LlamaNativeLibrary.EnsureInitialized(loggerFactory: loggerFactory);
        if (!LLamaQuantizer.Quantize(Path.GetFullPath(input), Path.GetFullPath(output), (LLamaFtype)type, threads, allowRequantize: true, quantizeOutputTensor: true))
        {
            throw new InvalidOperationException($"llama.cpp could not quantize {input} to {type}; see the log for its reason.");
        }
    }
}
