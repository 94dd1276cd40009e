namespace RagAssistant.Core.Ingestion;

/// <summary>
/// The one check that a file named as text (.txt, .md, .jsonl) really holds text, shared by the corpus folder scan
/// (<see cref="CorpusLoader"/> skips such a file with one warning) and the service's upload validation (415): random
/// bytes, an archive or an image renamed to .txt would otherwise be decoded as Windows-1252 (every byte is a
/// character there) and indexed as hundreds of junk papers. The rule, for the bytes given:
/// <list type="bullet">
/// <item>a PDF header (<c>%PDF-</c>) at the start is binary: a PDF under a text name;</item>
/// <item>a UTF-16 or UTF-32 byte order mark is text: those encodings hold NUL bytes by design;</item>
/// <item>otherwise any NUL byte is binary (no UTF-8 or Windows-1252 text holds one: git's rule);</item>
/// <item>otherwise more than 1 in 20 of the first <see cref="SniffLength"/> bytes being C0 control characters
/// other than tab, line feed, carriage return, form feed and escape (0x01-0x08, 0x0B, 0x0E-0x1A, 0x1C-0x1F) is
/// binary: text has next to none, random bytes about 1 in 10.</item>
/// </list>
/// A genuine Windows-1252 or Latin-1 file holds neither NUL nor those controls, so it stays text.
/// </summary>
public static class BinaryContentDetector
{
    /// <summary>How many leading bytes the control-character share is measured over (8 KiB), and what an upload check reads.</summary>
    public const int SniffLength = 8192;

    // 1 in 20: far above any text's share (none in prose, a stray one in a pasted log), well below random bytes' 27/256.
    private const int MaxControlShareDenominator = 20;

    /// <summary>Whether <paramref name="bytes"/> hold binary data by the rule above.</summary>
    /// <param name="bytes">The file's bytes, or at least its first <see cref="SniffLength"/> bytes (a NUL is looked for in all that is given).</param>
    /// <returns>True when the bytes are not text.</returns>
    public static bool HoldsBinaryData(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("%PDF-"u8))
        {
            return true;
        }

        foreach (var (bom, encoding) in CorpusTextDecoder.ByteOrderMarks)
        {
            if (bytes.StartsWith(bom))
            {
                // UTF-8's BOM says nothing about NUL bytes; the wide encodings' do.
                return encoding is System.Text.UTF8Encoding && HoldsBinaryBytes(bytes[bom.Length..]);
            }
        }

        return HoldsBinaryBytes(bytes);
    }

    private static bool HoldsBinaryBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Contains((byte)0))
        {
            return true;
        }

        var head = bytes[..Math.Min(bytes.Length, SniffLength)];
        var controls = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or 0x1B))
            {
                controls++;
            }
        }

        return controls * MaxControlShareDenominator > head.Length;
    }
}
