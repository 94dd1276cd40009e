using Spectre.Console;
using Spectre.Console.Rendering;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// Writes a line of the console's that names a command to type between backticks ("Fetch it with `dotnet run
/// --project src/RagAssistant.Console -- models download chat` from the repository root"). Spectre wraps a line at
/// the terminal's width between any two words, the command's among them, and a copy of a command broken over two
/// lines pastes as two. A line that fits is written as it is. One that does not has each command on a line of its
/// own, indented, whole and without its backticks (Spectre does not wrap it: wider than the terminal, the terminal
/// folds it, and a copy still pastes as one command); the text around it is wrapped at words as before (a bare "." after a command is left out: alone on its line it reads as a stray mark).
/// </summary>
internal static class HintLine
{
    private const string CommandIndent = "  ";

    /// <summary>Writes <paramref name="text"/> (plain text, not markup) in <paramref name="style"/>, and a line break.</summary>
    /// <param name="console">Where to write.</param>
    /// <param name="text">The line: prose, with each command between backticks.</param>
    /// <param name="style">Its style (yellow for a notice), or null for the console's default.</param>
    public static void Write(IAnsiConsole console, string text, Style? style = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('`');
        if (parts.Length < 3 || parts.Length % 2 == 0 || new Segment(text).CellCount() <= console.Profile.Width)
        {
            // It fits, or names no command (an unpaired backtick is prose).
            console.Write(new Text(text, style));
            console.WriteLine();
            return;
        }

        for (var i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 1)
            {
                console.Write(new Unwrapped(CommandIndent + parts[i], style ?? Style.Plain));
            }
            else if (parts[i].Trim() is { Length: > 0 } prose && prose.Any(char.IsLetterOrDigit))
            {
                console.Write(new Text(prose, style));
                console.WriteLine();
            }
        }
    }

    // One line written whole at any width: Text and Markup would wrap it.
    private sealed class Unwrapped(string text, Style style) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => new(Math.Min(maxWidth, new Segment(text).CellCount()), maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => [new Segment(text, style), Segment.LineBreak];
    }
}
