namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>Target types for <see cref="LlamaQuantizer"/>.</summary>
public enum LlamaFileType
{
    F16 = 1,
    Q4_0 = 2,
    Q8_0 = 7,
    Q4_K_S = 14,
    Q4_K_M = 15,
    Q5_K_M = 17,
    Q6_K = 18,
}
