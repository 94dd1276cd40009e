using RagAssistant.Console.Rendering;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace RagAssistant.Console.Cli;

/// <summary>
/// The streams a command talks to. Rich output (tables, progress, colours) goes through <see cref="Ui"/>;
/// machine output (JSON, streamed answer text) is written raw to <see cref="Out"/> so it is never re-wrapped.
/// The factories put <see cref="TerminalTextGuard"/> on all three, so no control character or escape sequence from a
/// document, a model or a file name reaches the terminal; the console's own sequences go to <see cref="Controls"/>.
/// </summary>
/// <param name="Ui">Rich output: markup, tables, progress bars, prompts.</param>
/// <param name="Out">Raw standard output: answer text and JSON.</param>
/// <param name="Error">Standard error: errors, and notes that must not mix with JSON on stdout.</param>
/// <param name="In">Standard input: piped questions, <c>ask -</c>.</param>
/// <param name="IsInteractive">True when a person is at the keyboard: stdin is not redirected.</param>
internal sealed partial record Terminal(IAnsiConsole Ui, TextWriter Out, TextWriter Error, TextReader In, bool IsInteractive)
{
    /// <summary>
    /// True when <see cref="Out"/> is a terminal: answer text is then wrapped at word boundaries to its width
    /// (<see cref="IAnsiConsole.Profile"/>), rather than broken mid-word by the terminal; a pipe gets it unwrapped.
    /// </summary>
    public bool WrapsAnswerText { get; init; }

    /// <summary>
    /// The unfiltered standard output, for the console's own escape sequences only (the embedding status bar's
    /// scrolling region, the line editor's cursor moves); never for text from a document, a model or a file.
    /// </summary>
    public TextWriter Controls { get; init; } = TextWriter.Null;

    /// <summary>Columns assumed for redirected output: wide enough that nothing is wrapped.</summary>
    internal const int PipeWidth = 4096;

    /// <summary>The process console: ANSI only when stdout is a terminal; no wrapping when it is not.</summary>
    public static Terminal FromSystemConsole()
    {
        var output = System.Console.Out;
        var ui = TerminalTextGuard.Guard(AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = System.Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = System.Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = System.Console.IsInputRedirected || System.Console.IsOutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        }));
        if (System.Console.IsOutputRedirected)
        {
            // A pipe has no width: Spectre's 80-column default would break table cells (model names, paths) mid-word.
            ui.Profile.Width = PipeWidth;
        }

        return new Terminal(ui, TerminalTextGuard.Writer(output), TerminalTextGuard.Writer(System.Console.Error), System.Console.In, !System.Console.IsInputRedirected && !System.Console.IsOutputRedirected)
        {
            WrapsAnswerText = !System.Console.IsOutputRedirected,
            Controls = output,
        };
    }

    /// <summary>
    /// Puts the keypad back in normal mode (terminfo <c>rmkx</c>, xterm's <c>ESC [ ? 1 l ESC &gt;</c>) when both stdin
    /// and stdout are a terminal. The .NET runtime switches a terminal to application keypad mode (<c>smkx</c>) the
    /// first time it reads the console and never switches it back (dotnet/runtime, corefx#32805), which leaves the
    /// shell's arrow and keypad keys sending other codes after the chat. Harmless when the mode was not set.
    /// </summary>
    public static void LeaveKeypadTransmitMode()
    {
        if (System.Console.IsInputRedirected || System.Console.IsOutputRedirected || Environment.GetEnvironmentVariable("TERM") is null or "" or "dumb")
        {
            return;
        }

        System.Console.Out.Write("\u001b[?1l\u001b>");
        System.Console.Out.Flush();
    }

    /// <summary>A terminal over plain writers, no ANSI: for pipes and tests.</summary>
    public static Terminal Plain(TextWriter output, TextWriter error, TextReader input)
    {
        var ui = TerminalTextGuard.Guard(AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        }));
        ui.Profile.Width = 200;
        return new Terminal(ui, TerminalTextGuard.Writer(output), TerminalTextGuard.Writer(error), input, IsInteractive: false) { Controls = output };
    }

    /// <summary>
    /// Writes "error: <paramref name="message"/>" to stderr: the one place the prefix is worded, for the console's own
    /// messages, System.CommandLine's ("Required argument missing ...") and exceptions' alike. The message reads on
    /// from the prefix in one style: a plain capitalised opening word ("The question is empty", "Retrieval-only mode") is lowercased; a
    /// name ("Retrieval:TopK", "--top-k", "LLM", "I/O") is kept as written. One line: a file name in the message
    /// cannot start another (<see cref="TerminalTextGuard.OneLine"/>).
    /// </summary>
    public void WriteError(string message) => Error.WriteLine($"error: {ReadOn(TerminalTextGuard.OneLine(message))}");

    /// <summary>
    /// Writes "error: <paramref name="kind"/>: <paramref name="message"/>", the message in the same style after the
    /// kind as after the prefix ("error: invalid configuration: the corpus folder ...").
    /// </summary>
    /// <param name="kind">What kind of error, lower case ("invalid configuration").</param>
    /// <param name="message">The message.</param>
    public void WriteError(string kind, string message) => WriteError($"{kind}: {ReadOn(message)}");

    /// <summary>
    /// Writes "note: <paramref name="message"/>" to stderr, the message read on from the prefix as after "error: "
    /// ("note: the semantic index is still being built ..."); one line.
    /// </summary>
    public void WriteNote(string message) => Error.WriteLine($"note: {ReadOn(TerminalTextGuard.OneLine(message))}");

    /// <summary>The message as it reads on after "error: ", "note: ", a kind or a name: its plain capitalised opening word lowercased.</summary>
    internal static string ReadOn(string message) =>
        CapitalisedOpening().IsMatch(message) ? string.Concat(message[..1].ToLowerInvariant(), message.AsSpan(1)) : message;

    [GeneratedRegex(@"^(?:\p{Lu}\p{Ll}+(?:-\p{Ll}+)*|A) ", RegexOptions.CultureInvariant)]
    private static partial Regex CapitalisedOpening();
}
