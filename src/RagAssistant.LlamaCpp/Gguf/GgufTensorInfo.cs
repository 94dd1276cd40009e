namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// One entry of a GGUF tensor table.
/// </summary>
/// <param name="Name">Tensor name, e.g. <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Dimensions">ggml shape, innermost (row length) first: <c>[n_embd, n_vocab]</c> for <c>token_embd.weight</c>.</param>
/// <param name="Type">Element type.</param>
/// <param name="Offset">Byte offset of the data, relative to the start of the data section.</param>
/// <param name="ByteSize">Bytes of data, computed from the shape and the type's block layout.</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, long Offset, long ByteSize)
{
    /// <summary>Number of elements (product of the dimensions).</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);
}
