namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// Tensor element types of ggml (<c>enum ggml_type</c>) as stored in a GGUF tensor table.
/// Values 4, 5, 31-33 and 36-38 were removed upstream and are not valid in files.
/// </summary>
public enum GgmlType : uint
{
    /// <summary>32-bit IEEE float, 4 bytes per element.</summary>
    F32 = 0,

    /// <summary>16-bit IEEE half float, 2 bytes per element.</summary>
    F16 = 1,

    /// <summary>4-bit blocks of 32 with one F16 scale (4.5 bits per weight).</summary>
    Q4_0 = 2,

    /// <summary>4-bit blocks of 32 with an F16 scale and minimum (5 bits per weight).</summary>
    Q4_1 = 3,

    /// <summary>5-bit blocks of 32 with one F16 scale (5.5 bits per weight).</summary>
    Q5_0 = 6,

    /// <summary>5-bit blocks of 32 with an F16 scale and minimum (6 bits per weight).</summary>
    Q5_1 = 7,

    /// <summary>8-bit blocks of 32 with one F16 scale (8.5 bits per weight).</summary>
    Q8_0 = 8,

    /// <summary>8-bit blocks of 32 with a scale and sum; used for intermediate results, not weights.</summary>
    Q8_1 = 9,

    /// <summary>2-bit k-quant: super-blocks of 256 (about 2.6 bits per weight).</summary>
    Q2_K = 10,

    /// <summary>3-bit k-quant: super-blocks of 256 (about 3.4 bits per weight).</summary>
    Q3_K = 11,

    /// <summary>4-bit k-quant: super-blocks of 256 (4.5 bits per weight).</summary>
    Q4_K = 12,

    /// <summary>5-bit k-quant: super-blocks of 256 (5.5 bits per weight).</summary>
    Q5_K = 13,

    /// <summary>6-bit k-quant: super-blocks of 256 (about 6.6 bits per weight).</summary>
    Q6_K = 14,

    /// <summary>8-bit k-quant: super-blocks of 256; used for intermediate results.</summary>
    Q8_K = 15,

    /// <summary>2-bit i-quant (importance matrix), about 2.06 bits per weight.</summary>
    IQ2_XXS = 16,

    /// <summary>2-bit i-quant, about 2.31 bits per weight.</summary>
    IQ2_XS = 17,

    /// <summary>3-bit i-quant, about 3.06 bits per weight.</summary>
    IQ3_XXS = 18,

    /// <summary>1-bit i-quant, about 1.56 bits per weight.</summary>
    IQ1_S = 19,

    /// <summary>4-bit non-linear i-quant, blocks of 32 (4.5 bits per weight).</summary>
    IQ4_NL = 20,

    /// <summary>3-bit i-quant, about 3.44 bits per weight.</summary>
    IQ3_S = 21,

    /// <summary>2-bit i-quant, about 2.5 bits per weight.</summary>
    IQ2_S = 22,

    /// <summary>4-bit non-linear i-quant, super-blocks of 256 (4.25 bits per weight).</summary>
    IQ4_XS = 23,

    /// <summary>8-bit signed integer.</summary>
    I8 = 24,

    /// <summary>16-bit signed integer.</summary>
    I16 = 25,

    /// <summary>32-bit signed integer.</summary>
    I32 = 26,

    /// <summary>64-bit signed integer.</summary>
    I64 = 27,

    /// <summary>64-bit IEEE float.</summary>
    F64 = 28,

    /// <summary>1-bit i-quant, about 1.75 bits per weight.</summary>
    IQ1_M = 29,

    /// <summary>16-bit bfloat (8-bit exponent), 2 bytes per element.</summary>
    BF16 = 30,

    /// <summary>Ternary weights (-1, 0, 1), about 1.69 bits per weight.</summary>
    TQ1_0 = 34,

    /// <summary>Ternary weights (-1, 0, 1), 2.06 bits per weight.</summary>
    TQ2_0 = 35,

    /// <summary>4-bit microscaling float (OCP MX) in blocks of 32 with a shared 8-bit exponent.</summary>
    MXFP4 = 39,

    /// <summary>4-bit float (NVIDIA FP4) in blocks with FP8 scales.</summary>
    NVFP4 = 40,

    /// <summary>1-bit blocks with one scale.</summary>
    Q1_0 = 41,

    /// <summary>2-bit blocks with one scale.</summary>
    Q2_0 = 42,
}
