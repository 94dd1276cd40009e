using System.Globalization;

namespace RagAssistant.Console.Chat;

/// <summary>How a line of input ended.</summary>
internal enum LineInputKind
{
    /// <summary>The user pressed Enter.</summary>
    Line,

    /// <summary>The user pressed Ctrl+C; <see cref="LineInput.Text"/> holds what had been typed.</summary>
    Interrupt,

    /// <summary>Input is closed (Ctrl+D on an empty line, or the end of redirected stdin).</summary>
    EndOfInput,
}

/// <summary>One read from the prompt.</summary>
internal readonly record struct LineInput(LineInputKind Kind, string Text)
{
    /// <summary>Ctrl+D, or the end of redirected input.</summary>
    public static LineInput EndOfInput { get; } = new(LineInputKind.EndOfInput, string.Empty);
}

/// <summary>Reads the user's next line at a prompt.</summary>
internal interface ILineReader
{
    /// <summary>Shows <paramref name="prompt"/> and returns the next line, a Ctrl+C, or the end of input.</summary>
    LineInput ReadLine(string prompt);
}

/// <summary>Reads lines from redirected stdin (pipes, tests): no echo, no editing.</summary>
internal sealed class PlainLineReader(TextReader input, TextWriter output) : ILineReader
{
    private const int MaxEchoChars = 1000;
    private const int EchoHeadChars = 200;

    /// <inheritdoc/>
    public LineInput ReadLine(string prompt)
    {
        output.Write(prompt);
        output.Flush();
        var line = input.ReadLine();
        if (line is null)
        {
            output.WriteLine();
            return LineInput.EndOfInput;
        }

        // Echo, so a transcript of a piped session reads like the interactive one; a pasted document is shown by its
        // start and length, not written back whole.
        output.WriteLine(line.Length <= MaxEchoChars ? line : string.Create(CultureInfo.InvariantCulture, $"{line[..EchoHeadChars]}… ({line.Length:N0} characters)"));
        return new LineInput(LineInputKind.Line, line);
    }
}
