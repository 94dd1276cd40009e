using System.Text;

namespace RagAssistant.Core.Ingestion;

/// <summary>A text file's characters and the encoding they were read with.</summary>
/// <param name="Text">The decoded text, without its byte order mark.</param>
/// <param name="Encoding">The encoding used.</param>
/// <param name="IsFallback">True when the bytes were not valid UTF-8 and carried no BOM, so Windows-1252 was assumed.</param>
internal sealed record DecodedText(string Text, Encoding Encoding, bool IsFallback);

/// <summary>
/// The one rule by which corpus text files are decoded: a byte order mark selects its encoding (UTF-8, UTF-16 or
/// UTF-32); otherwise bytes that are valid UTF-8 are UTF-8; anything else is read as Windows-1252 (the superset of
/// ISO-8859-1 that Western editors save), which maps every byte to a character, and the caller warns. Nothing is
/// ever replaced by U+FFFD.
/// </summary>
internal static class CorpusTextDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Windows-1252, from the code-pages provider (.NET itself ships only UTF-*, ASCII and Latin-1).</summary>
    public static Encoding Windows1252 { get; } =
        CodePagesEncodingProvider.Instance.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)
        ?? throw new InvalidOperationException("The Windows-1252 code page is not available.");

    /// <summary>The byte order marks read, each with its encoding; UTF-32 LE before UTF-16 LE, whose BOM starts its own.</summary>
    internal static IReadOnlyList<(byte[] Bom, Encoding Encoding)> ByteOrderMarks { get; } =
    [
        ([0xEF, 0xBB, 0xBF], StrictUtf8),
        ([0xFF, 0xFE, 0x00, 0x00], new UTF32Encoding(bigEndian: false, byteOrderMark: true, throwOnInvalidCharacters: true)),
        ([0x00, 0x00, 0xFE, 0xFF], new UTF32Encoding(bigEndian: true, byteOrderMark: true, throwOnInvalidCharacters: true)),
        ([0xFF, 0xFE], new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true)),
        ([0xFE, 0xFF], new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true)),
    ];

    /// <summary>Decodes <paramref name="bytes"/> by the rule above.</summary>
    public static DecodedText Decode(ReadOnlySpan<byte> bytes)
    {
        foreach (var (bom, encoding) in ByteOrderMarks)
        {
            if (bytes.StartsWith(bom))
            {
                return new DecodedText(Decode(encoding, bytes[bom.Length..]), encoding, IsFallback: false);
            }
        }

        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return new DecodedText(StrictUtf8.GetString(bytes), StrictUtf8, IsFallback: false);
        }

        return new DecodedText(Decode(Windows1252, bytes), Windows1252, IsFallback: true);
    }

    // Invalid sequences after a BOM, and the five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
    // 0x9D), are read as Latin-1 rather than replaced: every byte stays a character.
    private static string Decode(Encoding encoding, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }
}
