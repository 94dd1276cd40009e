using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// Writes streamed answer text wrapped at word boundaries to a width in terminal cells, as Spectre.Console wraps its
/// own text: greedy, words measured by Spectre (so CJK and emoji count two cells), spaces at a break dropped, and a
/// list item ("- ...") continued under its text. Wide (CJK) characters may break between any two, as CJK text has
/// no spaces; a word wider than the whole line is cut at the width. A word is held back until it is complete,
/// because only then is it known whether it fits.
/// </summary>
internal sealed class AnswerTextWrapper(TextWriter output, IAnsiConsole console)
{
    private const string ListItemIndent = "  ";

    private readonly StringBuilder _word = new();
    private int _pendingSpaces;
    private int _column;
    private bool _lineHasWords;
    private string _continuation = string.Empty;

    /// <summary>Writes <paramref name="text"/>; the end of it may be held back until <see cref="Flush"/>.</summary>
    public void Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n':
                    WriteWord();
                    output.Write('\n');
                    (_column, _pendingSpaces, _lineHasWords, _continuation) = (0, 0, false, string.Empty);
                    break;
                case '\r':
                    break;
                case ' ' or '\t':
                    WriteWord();
                    _pendingSpaces++;
                    break;
                case >= '\u1100' when Measure(c.ToString()) > 1:
                    // A wide character is a word of its own, joined to its neighbours without a space.
                    WriteWord();
                    _word.Append(c);
                    WriteWord();
                    break;
                default:
                    _word.Append(c);
                    break;
            }
        }
    }

    /// <summary>Writes what was held back (the last word); the next text continues the same line.</summary>
    public void Flush()
    {
        WriteWord();
        output.Flush();
    }

    private void WriteWord()
    {
        if (_word.Length == 0)
        {
            return;
        }

        var word = _word.ToString();
        _word.Clear();
        var width = Math.Max(1, console.Profile.Width);
        var cells = Measure(word);
        if (_lineHasWords && _column + _pendingSpaces + cells > width)
        {
            NewLine();
        }
        else
        {
            output.Write(new string(' ', _pendingSpaces));
            _column += _pendingSpaces;
            if (!_lineHasWords && word == "-")
            {
                _continuation = ListItemIndent;
            }
        }

        // Longer than a whole line: cut it at the width rather than let the terminal fold it out of our count.
        while (_column + cells > width && word.Length > 1)
        {
            var fits = 1;
            while (fits < word.Length && _column + Measure(word[..(fits + 1)]) <= width)
            {
                fits++;
            }

            output.Write(word[..fits]);
            word = word[fits..];
            cells = Measure(word);
            NewLine();
        }

        output.Write(word);
        _column += cells;
        _pendingSpaces = 0;
        _lineHasWords = true;
    }

    private void NewLine()
    {
        output.Write('\n');
        output.Write(_continuation);
        _column = _continuation.Length;
        _pendingSpaces = 0;
    }

    private int Measure(string word) =>
        ((IRenderable)new Text(word)).Measure(RenderOptions.Create(console), int.MaxValue).Max;
}
