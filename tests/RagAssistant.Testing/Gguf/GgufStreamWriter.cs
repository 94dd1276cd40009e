using System.Buffers.Binary;
using System.Text;

using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.Testing.Gguf;

/// <summary>Little-endian GGUF primitives over a stream, tracking the position for alignment padding.</summary>
internal sealed class GgufStreamWriter(Stream output)
{
    private readonly byte[] _scratch = new byte[64];

    public Stream Output { get; } = output;

    public long Position { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Output.Write(bytes);
        Position += bytes.Length;
    }

    /// <summary>Records bytes written to <see cref="Output"/> directly (tensor data streamed by a sink).</summary>
    public void Advance(long byteCount) => Position += byteCount;

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_scratch, value);
        Write(_scratch.AsSpan(0, 4));
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_scratch, value);
        Write(_scratch.AsSpan(0, 8));
    }

    public void WriteString(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteUInt64((ulong)bytes.Length);
        Write(bytes);
    }

    public void WriteScalar(GgufValueType type, object item)
    {
        Span<byte> scratch = _scratch;
        switch (type)
        {
            case GgufValueType.UInt8: scratch[0] = (byte)item; Write(scratch[..1]); break;
            case GgufValueType.Int8: scratch[0] = unchecked((byte)(sbyte)item); Write(scratch[..1]); break;
            case GgufValueType.Bool: scratch[0] = (bool)item ? (byte)1 : (byte)0; Write(scratch[..1]); break;
            case GgufValueType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)item); Write(scratch[..2]); break;
            case GgufValueType.Int16: BinaryPrimitives.WriteInt16LittleEndian(scratch, (short)item); Write(scratch[..2]); break;
            case GgufValueType.UInt32: WriteUInt32((uint)item); break;
            case GgufValueType.Int32: WriteUInt32(unchecked((uint)(int)item)); break;
            case GgufValueType.Float32: BinaryPrimitives.WriteSingleLittleEndian(scratch, (float)item); Write(scratch[..4]); break;
            case GgufValueType.UInt64: WriteUInt64((ulong)item); break;
            case GgufValueType.Int64: WriteUInt64(unchecked((ulong)(long)item)); break;
            case GgufValueType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(scratch, (double)item); Write(scratch[..8]); break;
            case GgufValueType.String: WriteString((string)item); break;
            default: throw new NotSupportedException($"GGUF value type {type} cannot be written as a scalar.");
        }
    }

    public void WriteValue(GgufValue value)
    {
        WriteUInt32((uint)value.Type);
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(value.Type, value.Value!);
            return;
        }

        GgufValueType elementType = value.ElementType!.Value;
        WriteUInt32((uint)elementType);
        WriteUInt64((ulong)value.Count);
        foreach (object item in (Array)value.Value!)
        {
            WriteScalar(elementType, item);
        }
    }

    public void PadTo(long target)
    {
        Array.Clear(_scratch);
        while (Position < target)
        {
            Write(_scratch.AsSpan(0, (int)Math.Min(_scratch.Length, target - Position)));
        }
    }
}
