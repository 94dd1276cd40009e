using RagAssistant.Testing.Gguf;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>A small GGUF v3 file the validator accepts (architecture metadata, no tensors), padded with deterministic filler.</summary>
internal static class GgufTestFile
{
    public static byte[] Create(int length, int seed = 7)
    {
        using var stream = new MemoryStream();
        new GgufWriter().AddMetadata("general.architecture", "llama").AddMetadata("general.name", "test").WriteTo(stream);
        var header = stream.ToArray();
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        header.CopyTo(bytes, 0);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
