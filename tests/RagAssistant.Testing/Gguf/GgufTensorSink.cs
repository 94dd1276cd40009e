using System.Buffers.Binary;
using System.Runtime.InteropServices;

using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.Testing.Gguf;

/// <summary>Produces a tensor's values when <see cref="GgufWriter"/> reaches it, so large models stream to disk in chunks.</summary>
/// <param name="sink">Receives exactly the tensor's element count, in ggml order (row by row).</param>
public delegate void GgufTensorDataSource(GgufTensorSink sink);

/// <summary>
/// Accepts a tensor's values as floats and writes them in the tensor's storage type (F32, F16 or BF16),
/// refusing more values than the tensor holds.
/// </summary>
public sealed class GgufTensorSink
{
    private const int ChunkElements = 16 * 1024;

    private readonly Stream _output;
    private readonly GgmlType _type;
    private readonly byte[] _buffer;

    internal GgufTensorSink(Stream output, string tensorName, GgmlType type, long elementCount)
    {
        _output = output;
        _type = type;
        TensorName = tensorName;
        Remaining = elementCount;
        _buffer = new byte[ChunkElements * 4];
    }

    /// <summary>Name of the tensor being written.</summary>
    public string TensorName { get; }

    /// <summary>Elements still expected.</summary>
    public long Remaining { get; private set; }

    /// <summary>Appends <paramref name="values"/>, converted to the tensor's type.</summary>
    public void Write(ReadOnlySpan<float> values)
    {
        if (values.Length > Remaining)
        {
            throw new InvalidOperationException($"Tensor '{TensorName}' received {values.Length:N0} more values but has room for only {Remaining:N0}.");
        }

        while (!values.IsEmpty)
        {
            ReadOnlySpan<float> chunk = values[..Math.Min(values.Length, ChunkElements)];
            WriteChunk(chunk);
            values = values[chunk.Length..];
            Remaining -= chunk.Length;
        }
    }

    private void WriteChunk(ReadOnlySpan<float> chunk)
    {
        switch (_type)
        {
            case GgmlType.F32 when BitConverter.IsLittleEndian:
                _output.Write(MemoryMarshal.AsBytes(chunk));
                break;
            case GgmlType.F32:
                for (int i = 0; i < chunk.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(i * 4), chunk[i]);
                }

                _output.Write(_buffer, 0, chunk.Length * 4);
                break;
            case GgmlType.F16 when BitConverter.IsLittleEndian:
                Span<Half> halves = MemoryMarshal.Cast<byte, Half>(_buffer.AsSpan(0, chunk.Length * 2));
                for (int i = 0; i < chunk.Length; i++)
                {
                    halves[i] = (Half)chunk[i];
                }

                _output.Write(_buffer, 0, chunk.Length * 2);
                break;
            case GgmlType.F16:
                for (int i = 0; i < chunk.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(_buffer.AsSpan(i * 2), (Half)chunk[i]);
                }

                _output.Write(_buffer, 0, chunk.Length * 2);
                break;
            case GgmlType.BF16:
                for (int i = 0; i < chunk.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(i * 2), ToBFloat16(chunk[i]));
                }

                _output.Write(_buffer, 0, chunk.Length * 2);
                break;
            default:
                throw new NotSupportedException($"Writing {GgmlTypeTraits.GetName(_type)} tensors is not supported; write F32/F16 and quantize with llama.cpp.");
        }
    }

    // Round-to-nearest-even truncation of the float's upper 16 bits, as ggml's ggml_compute_fp32_to_bf16 does.
    private static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fffffff) > 0x7f800000)
        {
            return (ushort)((bits >> 16) | 64); // quiet NaN
        }

        return (ushort)((bits + (0x7fff + ((bits >> 16) & 1))) >> 16);
    }
}
