using System.Text;

namespace RagAssistant.Core;

/// <summary>
/// The one rule for text that comes from documents, models, file names or users and is shown on a terminal or written
/// to a log: C0 and C1 control characters (and DEL) and the bidirectional embedding, override and isolate characters
/// never pass through as themselves. A terminal gets the text with every control character and escape sequence
/// (ECMA-48: CSI, OSC, DCS, SOS, PM, APC, two-character escapes; the 7-bit and the 8-bit C1 forms) removed
/// (<see cref="Strip"/>, or <see cref="ControlSequenceFilter"/> for a stream); a log gets them escaped, visible
/// (<see cref="Escape"/>). Ingestion applies <see cref="Strip"/> to every document's title and text
/// (<c>Ingestion/CorpusLoader</c>), so every front end gets clean text; the console and the log still apply the rule
/// to what does not come from a document (a question, model output, a file name).
/// </summary>
public static class ControlCharacters
{
    /// <summary>
    /// True for a character that is not printed text: C0 controls (tab, line feed and carriage return included),
    /// DEL, C1 controls, the Unicode line and paragraph separators (some log viewers break lines at them), and the
    /// bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069), which reorder the text
    /// after them: <c>"\u202eTitle"</c> shows reversed ("Trojan Source"). The left-to-right and right-to-left marks
    /// (U+200E, U+200F, U+061C) are not: they only set the direction of the characters beside them, and right-to-left
    /// text needs them.
    /// </summary>
    /// <param name="c">The character.</param>
    public static bool IsControl(char c) =>
        c < ' ' || c is >= '\u007f' and <= '\u009f' or '\u2028' or '\u2029' || IsBidiFormatting(c);

    /// <summary>True for a bidirectional embedding, override or isolate character (U+202A to U+202E, U+2066 to U+2069).</summary>
    /// <param name="c">The character.</param>
    public static bool IsBidiFormatting(char c) => c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';

    /// <summary>True when <paramref name="text"/> holds any character <see cref="IsControl"/> is true for.</summary>
    /// <param name="text">The text; null or empty holds none.</param>
    public static bool ContainsAny(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="text"/> as a terminal may show it: escape sequences removed whole (so <c>ESC [ 2 J</c> leaves
    /// nothing, not "[2J"), other control characters and bidirectional formatting characters removed; line feeds and
    /// tabs are kept, and a carriage return only just before a line feed; the other line breaks (a lone carriage
    /// return, NEL U+0085, U+2028, U+2029, form feed, vertical tab) are spaces. Other Unicode (accents, CJK, symbols,
    /// emoji) is unchanged.
    /// </summary>
    /// <param name="text">Untrusted text; null gives an empty string.</param>
    /// <returns>The text without control characters (the same instance when it held none).</returns>
    public static string Strip(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!ContainsAny(text))
        {
            return text;
        }

        var output = new StringBuilder(text.Length);
        var filter = new ControlSequenceFilter();
        filter.Append(text, output);
        return output.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> as a terminal may show it within one line (a title, a file name, a warning, a quoted
    /// sentence): <see cref="Strip"/>, and every line break (line feed, carriage return, CR LF, form feed, next line
    /// U+0085, line and paragraph separators U+2028 and U+2029) a space, so no part of it can start a line of its own
    /// and pass for one of the program's (a file named <c>"notes\nerror: ..."</c>).
    /// </summary>
    /// <param name="text">Untrusted text; null gives an empty string.</param>
    /// <returns>The text on one line (the same instance when it held no control character).</returns>
    public static string StripToOneLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!ContainsAny(text))
        {
            return text;
        }

        // Every kind of line break as a line feed first: Strip keeps it (and ends an unterminated control string at
        // it), then it becomes the space.
        return Strip(text.ReplaceLineEndings("\n")).Replace('\n', ' ');
    }

    /// <summary>
    /// <paramref name="text"/> as a log line may hold it: every control character written as a visible escape
    /// (<c>\n</c>, <c>\r</c>, <c>\t</c>, else <c>\u001b</c> and the like), so a value can neither start a forged line
    /// nor send an escape sequence to the terminal showing the log. Other characters, backslashes too, are unchanged.
    /// </summary>
    /// <param name="text">Untrusted text; null gives an empty string.</param>
    /// <returns>The escaped text (the same instance when it held no control character).</returns>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!ContainsAny(text))
        {
            return text;
        }

        var output = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => output.Append("\\n"),
                '\r' => output.Append("\\r"),
                '\t' => output.Append("\\t"),
                _ when IsControl(c) => output.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => output.Append(c),
            };
        }

        return output.ToString();
    }
}

/// <summary>
/// Removes control characters and whole escape sequences from text that arrives in pieces (streamed answer tokens,
/// writes to a terminal): a sequence split across pieces is still removed whole, because the filter keeps its state
/// between calls. Kept: line feed, tab, and a carriage return directly before a line feed; a lone carriage return,
/// NEL (U+0085), the line and paragraph separators (U+2028, U+2029), form feed and vertical tab become spaces, so the
/// line feed is the only line break that passes; bidirectional embeddings, overrides and isolates are removed. An
/// unterminated control string (OSC, DCS...) ends at the next line feed, so a stray <c>ESC ]</c> cannot swallow the
/// rest of an answer. Not thread-safe: one filter per stream.
/// </summary>
public sealed class ControlSequenceFilter
{
    private State _state;
    private bool _pendingCarriageReturn;

    private enum State
    {
        Text,
        Escape,
        EscapeIntermediate,
        ControlSequence,
        ControlString,
        ControlStringEscape,
    }

    /// <summary>Appends the printable part of <paramref name="text"/> to <paramref name="output"/>.</summary>
    /// <param name="text">The next piece of untrusted text.</param>
    /// <param name="output">Receives what may be shown.</param>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    public void Append(ReadOnlySpan<char> text, StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var c in text)
        {
            Next(c, output);
        }
    }

    private void Next(char c, StringBuilder output)
    {
        if (_pendingCarriageReturn)
        {
            _pendingCarriageReturn = false;
            if (_state == State.Text)
            {
                // CR LF stays; a lone CR, which would return to the start of the line and write over it, is a space.
                output.Append(c == '\n' ? '\r' : ' ');
            }
        }

        switch (_state)
        {
            case State.Escape:
                _state = c switch
                {
                    '[' => State.ControlSequence,
                    ']' or 'P' or 'X' or '^' or '_' => State.ControlString,
                    >= ' ' and <= '/' => State.EscapeIntermediate,
                    >= '0' and <= '~' => State.Text, // a two-character escape (ESC 7, ESC c...): consumed
                    '\u001b' => State.Escape,
                    _ => Abort(c, output),
                };
                return;
            case State.EscapeIntermediate:
                _state = c switch
                {
                    >= ' ' and <= '/' => State.EscapeIntermediate,
                    >= '0' and <= '~' => State.Text,
                    _ => Abort(c, output),
                };
                return;
            case State.ControlSequence:
                _state = c switch
                {
                    >= ' ' and <= '?' => State.ControlSequence, // parameters and intermediates
                    >= '@' and <= '~' => State.Text, // the final byte
                    _ => Abort(c, output),
                };
                return;
            case State.ControlString:
                _state = c switch
                {
                    '\u0007' or '\u009c' or '\u0018' or '\u001a' => State.Text, // BEL, ST, CAN, SUB end it
                    '\u001b' => State.ControlStringEscape,
                    '\n' => Abort(c, output),
                    _ => State.ControlString,
                };
                return;
            case State.ControlStringEscape:
                // ESC \ is the string terminator; ESC anything else ends the string and starts a new escape.
                _state = State.Escape;
                if (c != '\\')
                {
                    Next(c, output);
                }
                else
                {
                    _state = State.Text;
                }

                return;
            default:
                Text(c, output);
                return;
        }
    }

    // A sequence broken off by a character that cannot continue it: drop what was read, treat the character as text.
    private State Abort(char c, StringBuilder output)
    {
        _state = State.Text;
        Text(c, output);
        return _state;
    }

    private void Text(char c, StringBuilder output)
    {
        switch (c)
        {
            case '\u001b':
                _state = State.Escape;
                break;
            case '\u009b':
                _state = State.ControlSequence;
                break;
            case '\u009d' or '\u0090' or '\u0098' or '\u009e' or '\u009f':
                _state = State.ControlString;
                break;
            case '\r':
                _pendingCarriageReturn = true;
                break;
            case '\n' or '\t':
                output.Append(c);
                break;
            case '\u0085' or '\u2028' or '\u2029' or '\f' or '\v':
                // Next line, line and paragraph separators: line breaks to some terminals and viewers, none to others.
                // Form feed and vertical tab (the page breaks of a text dump, pdftotext's): removed, they would join words.
                output.Append(' ');
                break;
            case < ' ' or (>= '\u007f' and <= '\u009f'):
                break;
            case var bidi when ControlCharacters.IsBidiFormatting(bidi):
                break;
            default:
                output.Append(c);
                break;
        }
    }
}
