using System.Text;

namespace RagAssistant.Console.Chat;

/// <summary>A source of key presses: the console, or a script in tests.</summary>
internal interface IKeySource
{
    ConsoleKeyInfo ReadKey();
}

/// <summary>
/// A small line editor for the interactive prompt: cursor keys, Home/End, Backspace/Delete, Up/Down through the
/// history of earlier lines, Ctrl+C reported to the caller (not a process kill), Ctrl+D on an empty line ends input.
/// A character added at the end of the line (typing, pasting) is written alone; an edit elsewhere redraws the line.
/// Spectre.Console has no line editor, and this is all the chat needs.
/// </summary>
internal sealed class LineEditor(IKeySource keys, TextWriter output, int maxHistory = 200) : ILineReader
{
    private readonly List<string> history = [];

    /// <summary>Earlier lines, oldest first, that Up/Down recall.</summary>
    public IReadOnlyList<string> History => history;

    /// <inheritdoc/>
    public LineInput ReadLine(string prompt)
    {
        var line = new StringBuilder();
        var cursor = 0;
        var historyIndex = history.Count;
        var draft = string.Empty;
        output.Write(prompt);
        output.Flush();

        while (true)
        {
            var key = keys.ReadKey();
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    output.WriteLine();
                    var text = line.ToString();
                    Remember(text);
                    return new LineInput(LineInputKind.Line, text);
                case ConsoleKey.C when control:
                    output.WriteLine("^C");
                    return new LineInput(LineInputKind.Interrupt, line.ToString());
                case ConsoleKey.D when control && line.Length == 0:
                    output.WriteLine();
                    return LineInput.EndOfInput;
                case ConsoleKey.LeftArrow when cursor > 0:
                    cursor--;
                    break;
                case ConsoleKey.RightArrow when cursor < line.Length:
                    cursor++;
                    break;
                case ConsoleKey.Home:
                case ConsoleKey.A when control:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                case ConsoleKey.E when control:
                    cursor = line.Length;
                    break;
                case ConsoleKey.Backspace when cursor > 0:
                    line.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < line.Length:
                    line.Remove(cursor, 1);
                    break;
                case ConsoleKey.U when control:
                    line.Remove(0, cursor);
                    cursor = 0;
                    break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    if (historyIndex == history.Count)
                    {
                        draft = line.ToString();
                    }

                    Replace(line, history[--historyIndex], ref cursor);
                    break;
                case ConsoleKey.DownArrow when historyIndex < history.Count:
                    historyIndex++;
                    Replace(line, historyIndex == history.Count ? draft : history[historyIndex], ref cursor);
                    break;
                default:
                    if (!char.IsControl(key.KeyChar) && !control)
                    {
                        line.Insert(cursor++, key.KeyChar);
                        if (cursor == line.Length)
                        {
                            // Typed or pasted at the end of the line (a paste is thousands of these keys): the
                            // character alone, so the output grows with the text rather than with its square.
                            Append(line);
                            continue;
                        }
                    }
                    else
                    {
                        continue; // Nothing changed: no redraw.
                    }

                    break;
            }

            Redraw(prompt, line, cursor);
        }
    }

    private static void Replace(StringBuilder line, string text, ref int cursor)
    {
        line.Clear().Append(text);
        cursor = line.Length;
    }

    private void Remember(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || (history.Count > 0 && history[^1] == text))
        {
            return;
        }

        history.Add(text);
        if (history.Count > maxHistory)
        {
            history.RemoveAt(0);
        }
    }

    /// <summary>Shows the character just added at the end of the line; a surrogate pair once both halves are in.</summary>
    private void Append(StringBuilder line)
    {
        var last = line[^1];
        if (char.IsHighSurrogate(last))
        {
            return;
        }

        if (char.IsLowSurrogate(last) && line.Length > 1 && char.IsHighSurrogate(line[^2]))
        {
            output.Write(line[^2]);
        }

        output.Write(last);
        output.Flush();
    }

    /// <summary>Rewrites the line in place: carriage return, prompt and text, clear to end of line, cursor back.</summary>
    private void Redraw(string prompt, StringBuilder line, int cursor)
    {
        output.Write('\r');
        output.Write(prompt);
        output.Write(line);
        output.Write("\u001b[K");
        var back = line.Length - cursor;
        if (back > 0)
        {
            output.Write($"\u001b[{back}D");
        }

        output.Flush();
    }
}

/// <summary>Keys from the real console, with Ctrl+C delivered as a key while the prompt is open.</summary>
internal sealed class SystemConsoleKeySource : IKeySource
{
    /// <inheritdoc/>
    public ConsoleKeyInfo ReadKey()
    {
        var previous = System.Console.TreatControlCAsInput;
        System.Console.TreatControlCAsInput = true;
        try
        {
            return System.Console.ReadKey(intercept: true);
        }
        finally
        {
            System.Console.TreatControlCAsInput = previous;
        }
    }
}
