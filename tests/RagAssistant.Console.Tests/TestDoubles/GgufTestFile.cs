using System.Buffers.Binary;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>Bytes that start like a real GGUF v3 file (magic, version, counts) followed by deterministic filler.</summary>
internal static class GgufTestFile
{
    public static byte[] Create(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        "GGUF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 3);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), 5);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
