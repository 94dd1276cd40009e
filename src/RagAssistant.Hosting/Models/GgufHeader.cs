using System.Buffers.Binary;

namespace RagAssistant.Hosting.Models;

/// <summary>The fixed start of a GGUF file: magic, version and counts. Enough to reject HTML error pages and truncated files.</summary>
public sealed record GgufHeader(uint Version, ulong TensorCount, ulong MetadataCount)
{
    /// <summary>Bytes of the fixed header: magic (4), version (4), tensor count (8), metadata count (8).</summary>
    public const int Length = 24;

    private static ReadOnlySpan<byte> Magic => "GGUF"u8;

    /// <summary>Parses the header, or returns null with the reason.</summary>
    public static GgufHeader? TryParse(ReadOnlySpan<byte> bytes, out string? problem)
    {
        if (bytes.Length < Length)
        {
            problem = $"file is shorter than a GGUF header ({bytes.Length} bytes)";
            return null;
        }

        if (!bytes[..4].SequenceEqual(Magic))
        {
            problem = "not a GGUF file (the first bytes are not \"GGUF\")";
            return null;
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        if (version is < 1 or > 3)
        {
            problem = $"unsupported GGUF version {version}";
            return null;
        }

        problem = null;
        return new GgufHeader(
            version,
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]));
    }

    /// <summary>Reads the header of a file, or returns null with the reason.</summary>
    public static async Task<(GgufHeader? Header, string? Problem)> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[Length];
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            var read = await stream.ReadAtLeastAsync(buffer, Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            var header = TryParse(buffer.AsSpan(0, read), out var problem);
            return (header, problem);
        }
    }
}
