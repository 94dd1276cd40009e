using System.Text;

namespace RagAssistant.Core.Tests;

/// <summary>The one control-character rule: a terminal gets none (whole sequences removed), a log gets them visible.</summary>
public sealed class ControlCharactersTests
{
    [Theory]
    [InlineData("title \u001b]0;pwned\u0007 end", "title  end")] // OSC ended by BEL: window title
    [InlineData("title \u001b]0;pwned\u001b\\ end", "title  end")] // OSC ended by ST (ESC \)
    [InlineData("a\u001b[2Jb", "ab")] // CSI: clear screen
    [InlineData("a\u001b[1A\u001b[2Kb", "ab")] // cursor up, erase line
    [InlineData("a\u009b2Jb", "ab")] // 8-bit CSI
    [InlineData("a\u009d0;pwned\u009cb", "ab")] // 8-bit OSC ended by 8-bit ST
    [InlineData("a\u001bPq#0;2;0;0;0\u001b\\b", "ab")] // DCS (sixel)
    [InlineData("a\u001b_apc\u001b\\b", "ab")] // APC
    [InlineData("a\u001b(Bb", "ab")] // charset designation: ESC with an intermediate
    [InlineData("a\u001bcb", "ab")] // RIS: full reset
    [InlineData("a\u001b[?1049hb", "ab")] // alternate screen, private parameters
    [InlineData("a\u0008\u0008b\u007fc", "abc")] // backspace, DEL
    [InlineData("a\u0085b\u2028c\u2029d", "a b c d")] // NEL, line and paragraph separators: spaces
    [InlineData("Page one\fPage two\vend", "Page one Page two end")] // form feed, vertical tab: spaces, words stay apart
    [InlineData("hidden\rshown", "hidden shown")] // a lone carriage return cannot overwrite the line
    [InlineData("line one\r\nline two\n\tindented", "line one\r\nline two\n\tindented")] // line breaks and tabs stay
    [InlineData("a \u001b]0;no terminator\nnext line", "a \nnext line")] // an unterminated string ends at the line feed
    [InlineData("a\u001b[12\nb", "a\nb")] // a broken sequence does not eat the line feed
    [InlineData("plain text, ünïcödé 😀", "plain text, ünïcödé 😀")]
    [InlineData("\u001b]0;PWNED\u0007\u001b[31m<script>alert(1)</script> Evil <b>Title</b>\u001b[2J", "<script>alert(1)</script> Evil <b>Title</b>")] // HTML stays text
    [InlineData("[1] \u202eTitle reversed\u202c", "[1] Title reversed")] // right-to-left override and its pop
    [InlineData("a\u202ab\u202bc\u202dd\u2066e\u2067f\u2068g\u2069h", "abcdefgh")] // embeddings, overrides, isolates
    [InlineData("\u05e9\u05dc\u05d5\u05dd\u200f 1\u200e", "\u05e9\u05dc\u05d5\u05dd\u200f 1\u200e")] // Hebrew with its direction marks
    [InlineData("Café naïve Ærø, 草稿模型, ∀x∈ℝ: x²≥0 ≠ ∞, 😀👍🏽👩‍💻 🇫🇷", "Café naïve Ærø, 草稿模型, ∀x∈ℝ: x²≥0 ≠ ∞, 😀👍🏽👩‍💻 🇫🇷")] // accents, CJK, math, emoji (joiners, flags)
    public void Strip_removes_whole_escape_sequences_and_control_characters(string text, string expected)
    {
        Assert.Equal(expected, ControlCharacters.Strip(text));
    }

    [Theory]
    [InlineData("walrus\nfail: forged.txt", "walrus fail: forged.txt")] // line feed
    [InlineData("walrus\rfail: forged.txt", "walrus fail: forged.txt")] // a lone carriage return
    [InlineData("walrus\r\nfail: forged.txt", "walrus fail: forged.txt")] // CR LF: one space
    [InlineData("walrus\u0085fail: forged.txt", "walrus fail: forged.txt")] // NEL
    [InlineData("walrus\u2028fail: forged.txt", "walrus fail: forged.txt")] // line separator
    [InlineData("walrus\u2029fail: forged.txt", "walrus fail: forged.txt")] // paragraph separator
    [InlineData("walrus\ffail: forged.txt", "walrus fail: forged.txt")] // form feed
    [InlineData("evil\u001b[31mname\nfail: forged.txt", "evilname fail: forged.txt")] // an escape and a line feed
    [InlineData("a \u001b]0;no terminator\nb", "a  b")] // an unterminated string still ends at the line break
    [InlineData("tab\tstays", "tab\tstays")]
    [InlineData("plain title", "plain title")]
    public void StripToOneLine_makes_every_line_break_a_space(string text, string expected)
    {
        var line = ControlCharacters.StripToOneLine(text);

        Assert.Equal(expected, line);
        Assert.DoesNotContain(line, c => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029' or '\v' or '\f');
    }

    [Fact]
    public void A_sequence_split_over_pieces_is_removed_whole()
    {
        var filter = new ControlSequenceFilter();
        var output = new StringBuilder();
        foreach (var piece in new[] { "Draft \u001b", "]0;pw", "ned\u001b", "\\models \u001b[", "2", "J[1]\r", "\nnext \u009b", "1Aline" })
        {
            filter.Append(piece, output);
        }

        Assert.Equal("Draft models [1]\r\nnext line", output.ToString());
    }

    [Theory]
    [InlineData("name\u001b[31m.md", "name\\u001b[31m.md")]
    [InlineData("evil.md\nfail: Forged log line", "evil.md\\nfail: Forged log line")]
    [InlineData("a\rb\tc\u009bd\u2028e", "a\\rb\\tc\\u009bd\\u2028e")]
    [InlineData("C:\\papers\\note.md", "C:\\papers\\note.md")]
    [InlineData("\u202eevil.md", "\\u202eevil.md")] // a bidi override in a log line is visible too
    public void Escape_makes_every_control_character_visible(string text, string expected)
    {
        Assert.Equal(expected, ControlCharacters.Escape(text));
    }

    [Fact]
    public void Every_control_character_is_removed_or_escaped()
    {
        for (var c = '\0'; c <= '\u00a0'; c++)
        {
            var text = $"a{c}b";
            var stripped = ControlCharacters.Strip(text);
            Assert.DoesNotContain(stripped, ch => ControlCharacters.IsControl(ch) && ch is not '\n' and not '\t');
            Assert.False(ControlCharacters.ContainsAny(ControlCharacters.Escape(text)), $"U+{(int)c:X4}");
        }
    }
}
