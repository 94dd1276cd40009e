namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>Names of llama.cpp's <c>llama_ftype</c> values, as quantization tools print them.</summary>
public static class LlamaFileTypeNames
{
    private static readonly Dictionary<int, string> Names = new()
    {
        [0] = "F32",
        [1] = "F16",
        [2] = "Q4_0",
        [3] = "Q4_1",
        [7] = "Q8_0",
        [8] = "Q5_0",
        [9] = "Q5_1",
        [10] = "Q2_K",
        [11] = "Q3_K_S",
        [12] = "Q3_K_M",
        [13] = "Q3_K_L",
        [14] = "Q4_K_S",
        [15] = "Q4_K_M",
        [16] = "Q5_K_S",
        [17] = "Q5_K_M",
        [18] = "Q6_K",
        [30] = "IQ4_XS",
        [32] = "BF16",
    };

    /// <summary>"Q4_K_M" for 15, "ftype 99" for unknown values.</summary>
    public static string Describe(int fileType) =>
        Names.TryGetValue(fileType & ~1024, out var name) ? name : $"ftype {fileType}";
}

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
