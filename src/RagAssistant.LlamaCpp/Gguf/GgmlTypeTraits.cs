namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// Block geometry of each <see cref="GgmlType"/>: how many elements one block holds and how many bytes it takes
/// (ggml's <c>ggml_blck_size</c> / <c>ggml_type_size</c> for the bundled llama.cpp). Used to compute tensor byte sizes,
/// so a tensor whose data would run past the end of the file is caught before llama.cpp maps it.
/// </summary>
internal static class GgmlTypeTraits
{
    private const int QK_K = 256;

    /// <summary>Returns the block size and block byte size of <paramref name="type"/>, or false for a type this build does not know.</summary>
    public static bool TryGetBlockLayout(GgmlType type, out int blockSize, out int typeSize)
    {
        (blockSize, typeSize) = type switch
        {
            GgmlType.F32 => (1, 4),
            GgmlType.F16 => (1, 2),
            GgmlType.Q4_0 => (32, 18),
            GgmlType.Q4_1 => (32, 20),
            GgmlType.Q5_0 => (32, 22),
            GgmlType.Q5_1 => (32, 24),
            GgmlType.Q8_0 => (32, 34),
            GgmlType.Q8_1 => (32, 36),
            GgmlType.Q2_K => (QK_K, 84),
            GgmlType.Q3_K => (QK_K, 110),
            GgmlType.Q4_K => (QK_K, 144),
            GgmlType.Q5_K => (QK_K, 176),
            GgmlType.Q6_K => (QK_K, 210),
            GgmlType.Q8_K => (QK_K, 292),
            GgmlType.IQ2_XXS => (QK_K, 66),
            GgmlType.IQ2_XS => (QK_K, 74),
            GgmlType.IQ3_XXS => (QK_K, 98),
            GgmlType.IQ1_S => (QK_K, 50),
            GgmlType.IQ4_NL => (32, 18),
            GgmlType.IQ3_S => (QK_K, 110),
            GgmlType.IQ2_S => (QK_K, 82),
            GgmlType.IQ4_XS => (QK_K, 136),
            GgmlType.I8 => (1, 1),
            GgmlType.I16 => (1, 2),
            GgmlType.I32 => (1, 4),
            GgmlType.I64 => (1, 8),
            GgmlType.F64 => (1, 8),
            GgmlType.IQ1_M => (QK_K, 56),
            GgmlType.BF16 => (1, 2),
            GgmlType.TQ1_0 => (QK_K, 54),
            GgmlType.TQ2_0 => (QK_K, 66),
            GgmlType.MXFP4 => (32, 17),
            GgmlType.NVFP4 => (64, 36),
            GgmlType.Q1_0 => (128, 18),
            GgmlType.Q2_0 => (64, 18),
            _ => (0, 0),
        };
        return blockSize > 0;
    }

    /// <summary>Lower-case ggml name of the type (<c>ggml_type_name</c>), e.g. <c>q4_K</c>; the number for unknown types.</summary>
    public static string GetName(GgmlType type) => type switch
    {
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.Q8_K
            => type.ToString().ToLowerInvariant().Replace("_k", "_K", StringComparison.Ordinal),
        _ when Enum.IsDefined(type) => type.ToString().ToLowerInvariant(),
        _ => $"type {(uint)type}",
    };
}
