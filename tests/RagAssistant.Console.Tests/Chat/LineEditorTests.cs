using RagAssistant.Console.Chat;

namespace RagAssistant.Console.Tests.Chat;

public sealed class LineEditorTests
{
    [Fact]
    public void Edits_with_cursor_keys_backspace_and_delete()
    {
        var editor = Editor(out _, Type("helo"), Key(ConsoleKey.LeftArrow), Char('l'), Key(ConsoleKey.End), Key(ConsoleKey.Backspace),
            Char('o'), Char('!'), Key(ConsoleKey.Home), Key(ConsoleKey.Delete), Char('H'), Key(ConsoleKey.Enter));

        var input = editor.ReadLine("> ");

        Assert.Equal(new LineInput(LineInputKind.Line, "Hello!"), input);
    }

    [Fact]
    public void Up_and_down_walk_the_history_and_keep_the_draft()
    {
        var editor = Editor(out _,
            Type("first"), Key(ConsoleKey.Enter),
            Type("second"), Key(ConsoleKey.Enter),
            Type("dra"), Key(ConsoleKey.UpArrow), Key(ConsoleKey.UpArrow), Key(ConsoleKey.Enter),
            Type("x"), Key(ConsoleKey.UpArrow), Key(ConsoleKey.DownArrow), Key(ConsoleKey.Enter));

        Assert.Equal("first", editor.ReadLine("> ").Text);
        Assert.Equal("second", editor.ReadLine("> ").Text);
        Assert.Equal("first", editor.ReadLine("> ").Text);
        Assert.Equal("x", editor.ReadLine("> ").Text);
        Assert.Equal(["first", "second", "first", "x"], editor.History);
    }

    [Fact]
    public void Ctrl_c_interrupts_and_ctrl_d_on_an_empty_line_ends_input()
    {
        var editor = Editor(out var output, Type("half"), Ctrl(ConsoleKey.C), Ctrl(ConsoleKey.D));

        Assert.Equal(new LineInput(LineInputKind.Interrupt, "half"), editor.ReadLine("> "));
        Assert.Equal(LineInputKind.EndOfInput, editor.ReadLine("> ").Kind);
        Assert.Contains("^C", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Redraws_the_line_so_the_terminal_shows_the_edit()
    {
        var editor = Editor(out var output, Type("ab"), Key(ConsoleKey.LeftArrow), Char('X'), Key(ConsoleKey.Enter));

        Assert.Equal("aXb", editor.ReadLine("> ").Text);
        Assert.Contains("\r> aXb\u001b[K\u001b[1D", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_paste_writes_each_character_once_not_the_whole_line_again()
    {
        // 6,000 characters arrive one key at a time, as a terminal delivers a paste.
        var pasted = string.Concat(Enumerable.Repeat("speculative decoding drafts tokens ", 172))[..6000];
        var editor = Editor(out var output, Type(pasted), Key(ConsoleKey.Enter));

        Assert.Equal(pasted, editor.ReadLine("> ").Text);
        Assert.True(output.ToString().Length < 3 * pasted.Length, $"{output.ToString().Length:N0} characters written for a paste of {pasted.Length:N0}");
        Assert.StartsWith("> " + pasted, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_character_outside_the_basic_plane_is_written_whole()
    {
        var editor = Editor(out var output, Type("a😀b"), Key(ConsoleKey.Enter));

        Assert.Equal("a😀b", editor.ReadLine("> ").Text);
        Assert.Equal("> a😀b" + Environment.NewLine, output.ToString());
    }

    private static LineEditor Editor(out StringWriter output, params IEnumerable<ConsoleKeyInfo>[] keys)
    {
        output = new StringWriter();
        return new LineEditor(new ScriptedKeys(keys.SelectMany(k => k)), output);
    }

    private static IEnumerable<ConsoleKeyInfo> Type(string text) => text.Select(c => Char(c).Single());

    private static IEnumerable<ConsoleKeyInfo> Char(char c) =>
        [new ConsoleKeyInfo(c, char.IsLetter(c) ? Enum.Parse<ConsoleKey>(char.ToUpperInvariant(c).ToString()) : ConsoleKey.Oem1, char.IsUpper(c), false, false)];

    private static IEnumerable<ConsoleKeyInfo> Key(ConsoleKey key) =>
        [new ConsoleKeyInfo(key == ConsoleKey.Enter ? '\r' : key == ConsoleKey.Backspace ? '\b' : '\0', key, false, false, false)];

    private static IEnumerable<ConsoleKeyInfo> Ctrl(ConsoleKey key) =>
        [new ConsoleKeyInfo((char)(key - ConsoleKey.A + 1), key, false, false, true)];

    private sealed class ScriptedKeys(IEnumerable<ConsoleKeyInfo> keys) : IKeySource
    {
        private readonly Queue<ConsoleKeyInfo> queue = new(keys);

        public ConsoleKeyInfo ReadKey() => queue.Count > 0 ? queue.Dequeue() : throw new InvalidOperationException("script exhausted");
    }
}
