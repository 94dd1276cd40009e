using System.Buffers.Binary;
using System.Text;

namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// Little-endian primitive reads over a stream of known length. Every read checks the bytes are there first,
/// and every length read from the file is checked against what is left before anything is allocated for it.
/// </summary>
internal sealed class GgufStreamReader(Stream stream, long length)
{
    private readonly byte[] _scratch = new byte[8];

    public long Position { get; private set; }

    public long Length { get; } = length;

    public long Remaining => Length - Position;

    public byte ReadUInt8(string what) => ReadExactly(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(ReadExactly(2, what));

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(ReadExactly(4, what));

    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(ReadExactly(8, what));

    public float ReadFloat32(string what) => BinaryPrimitives.ReadSingleLittleEndian(ReadExactly(4, what));

    public double ReadFloat64(string what) => BinaryPrimitives.ReadDoubleLittleEndian(ReadExactly(8, what));

    /// <summary>A GGUF string: uint64 byte length, then UTF-8 bytes (no terminator).</summary>
    public string ReadString(string what)
    {
        ulong byteCount = ReadUInt64(what);
        if (byteCount > (ulong)Remaining)
        {
            throw Truncated($"{what} claims {byteCount:N0} bytes but only {Remaining:N0} are left in the file", byteCount);
        }

        if (byteCount == 0)
        {
            return string.Empty;
        }

        // Bounded by the file length just above, so this allocation is at most the file's size.
        byte[] bytes = new byte[checked((int)Math.Min(byteCount, int.MaxValue))];
        Fill(bytes, what);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Skips a GGUF string without materialising it.</summary>
    public void SkipString(string what)
    {
        ulong byteCount = ReadUInt64(what);
        Skip(byteCount, what);
    }

    public void Skip(ulong byteCount, string what)
    {
        if (byteCount > (ulong)Remaining)
        {
            throw Truncated($"{what} claims {byteCount:N0} bytes but only {Remaining:N0} are left in the file", byteCount);
        }

        long count = (long)byteCount;
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            Position += count;
            return;
        }

        byte[] buffer = new byte[(int)Math.Min(count, 81920)];
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, buffer.Length);
            Fill(buffer.AsSpan(0, chunk), what);
            count -= chunk;
        }
    }

    /// <summary>
    /// Throws when <paramref name="count"/> items of at least <paramref name="minItemBytes"/> each cannot fit in what is left:
    /// called before allocating anything sized by a count read from the file.
    /// </summary>
    public void EnsureCountFits(ulong count, int minItemBytes, string what)
    {
        ulong available = (ulong)Remaining / (ulong)minItemBytes;
        if (count > available)
        {
            throw Truncated($"{what} claims {count:N0} entries but only {Remaining:N0} bytes are left in the file", count);
        }
    }

    private ReadOnlySpan<byte> ReadExactly(int count, string what)
    {
        Span<byte> span = _scratch.AsSpan(0, count);
        Fill(span, what);
        return span;
    }

    private void Fill(Span<byte> destination, string what)
    {
        if (destination.Length > Remaining)
        {
            throw new GgufFormatException(ModelFileProblem.Truncated, $"the file ends inside {what} (at byte {Position:N0} of {Length:N0})");
        }

        int read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        Position += read;
        if (read < destination.Length)
        {
            throw new GgufFormatException(ModelFileProblem.Truncated, $"the file ends inside {what} (at byte {Position:N0}, though it reported {Length:N0} bytes)");
        }
    }

    // A count that cannot even be addressed is garbage rather than a cut-off file.
    private static GgufFormatException Truncated(string detail, ulong claimed) =>
        new(claimed > uint.MaxValue ? ModelFileProblem.Corrupt : ModelFileProblem.Truncated, detail);
}
