using System.Text;

namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>
/// Turns token byte pieces into text as they stream. A token may carry only part of a UTF-8 character
/// (byte-fallback tokens); the incomplete bytes are held until the character completes.
/// </summary>
public sealed class Utf8PieceDecoder
{
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private char[] _chars = new char[64];

    /// <summary>Text completed by <paramref name="piece"/> (possibly empty).</summary>
    public string Push(ReadOnlySpan<byte> piece)
    {
        var needed = _decoder.GetCharCount(piece, flush: false);
        if (needed > _chars.Length)
        {
            _chars = new char[needed * 2];
        }

        var n = _decoder.GetChars(piece, _chars, flush: false);
        return new string(_chars, 0, n);
    }

    /// <summary>Whatever is left at the end (an incomplete character becomes U+FFFD).</summary>
    public string Flush()
    {
        var n = _decoder.GetChars([], _chars, flush: true);
        return new string(_chars, 0, n);
    }
}
