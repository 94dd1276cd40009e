using System.Text;
using RagAssistant.Core;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// The one gate between untrusted text (documents' titles and text, file names, model output, error messages) and the
/// terminal: <see cref="Cli.Terminal"/> builds its <c>Out</c> and <c>Error</c> writers with <see cref="Writer"/> and
/// attaches a render hook to its Spectre console (<see cref="Guard"/>), so whatever a command prints loses control characters and
/// escape sequences (<see cref="ControlCharacters"/>), while Spectre's own colours and cursor moves, and the console's
/// own escape sequences (<c>Terminal.Controls</c>), still reach the terminal.
/// </summary>
internal static class TerminalTextGuard
{
    /// <summary>A writer that passes <paramref name="inner"/> only printable text, line feeds and tabs.</summary>
    /// <param name="inner">The real stream (stdout, stderr, a test's writer).</param>
    public static TextWriter Writer(TextWriter inner) => new ControlSequenceWriter(inner);

    /// <summary>
    /// Text from a document, a file name, a model or an error shown within one line of the console's (a source's
    /// title, a warning, a quoted sentence, a /history title): control characters stripped as everywhere, and every
    /// line break (LF, CR, NEL, U+2028, U+2029) a space (<see cref="ControlCharacters.StripToOneLine"/>), so a file named
    /// <c>"notes\nfail: ..."</c> cannot print a line that passes for one of the console's. The writers keep line
    /// breaks (an answer has lines); each place that prints such text on one line passes it through here.
    /// </summary>
    /// <param name="text">Untrusted text; null gives an empty string.</param>
    public static string OneLine(string? text) => ControlCharacters.StripToOneLine(text);

    /// <summary>Attaches the render hook that strips control characters from every text segment Spectre renders.</summary>
    /// <param name="console">The Spectre console.</param>
    /// <returns><paramref name="console"/>.</returns>
    public static IAnsiConsole Guard(IAnsiConsole console)
    {
        console.Pipeline.Attach(new ControlSequenceRenderHook());
        return console;
    }

    /// <summary>Filters writes through one <see cref="ControlSequenceFilter"/>, so a sequence split over writes goes too.</summary>
    private sealed class ControlSequenceWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
    {
        private readonly ControlSequenceFilter _filter = new();
        private readonly StringBuilder _buffer = new();
        private readonly Lock _gate = new();

        public override Encoding Encoding => inner.Encoding;

        [System.Diagnostics.CodeAnalysis.AllowNull]
        public override string NewLine
        {
            get => inner.NewLine;
            set => inner.NewLine = value;
        }

        public override void Write(char value) => Write([value]);

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(string? value) => Write(value.AsSpan());

        public override void Write(ReadOnlySpan<char> buffer)
        {
            lock (_gate)
            {
                _filter.Append(buffer, _buffer);
                if (_buffer.Length > 0)
                {
                    inner.Write(_buffer.ToString());
                    _buffer.Clear();
                }
            }
        }

        public override void WriteLine() => Write(NewLine);

        public override void WriteLine(string? value) => Write(string.Concat(value, NewLine));

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync()
        {
            WriteLine();
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            WriteLine(buffer.ToString());
            return Task.CompletedTask;
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync() => inner.FlushAsync();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        // The inner writer is the process's stream (or a test's): its owner closes it.
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Flush();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Every renderable's text segments lose their control characters; Spectre's control-code segments stay.</summary>
    private sealed class ControlSequenceRenderHook : IRenderHook
    {
        public IEnumerable<IRenderable> Process(RenderOptions options, IEnumerable<IRenderable> renderables) =>
            renderables.Select(r => r is GuardedRenderable ? r : new GuardedRenderable(r));
    }

    private sealed class GuardedRenderable(IRenderable inner) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
            inner.Render(options, maxWidth).Select(s => s.IsControlCode || s.IsLineBreak || !ControlCharacters.ContainsAny(s.Text)
                ? s
                : new Segment(ControlCharacters.Strip(s.Text), s.Style, s.Link));
    }
}
