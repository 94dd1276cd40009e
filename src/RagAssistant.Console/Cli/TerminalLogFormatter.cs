using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

namespace RagAssistant.Console.Cli;

/// <summary>
/// The console's log lines. A warning is one line, <c>warning: message</c>, as the console writes its own warnings
/// (<see cref="StartupView.WriteWarnings"/>): a user reads what is wrong, not which class said it. Other levels
/// (<c>--verbose</c>'s information, errors) are written as the simple formatter writes them (<c>info: Category[id]</c>,
/// the message indented below). While a status line (the "Searching the corpus..." spinner) is shown, the entry is written
/// through the terminal the spinner is drawn on, which puts it on lines of its own above the spinner and draws the
/// spinner again below, instead of the log overprinting it (and the spinner's redraw erasing the log).
/// </summary>
internal sealed class TerminalLogFormatter() : ConsoleFormatter(Name)
{
    /// <summary>The formatter's name in the console logger options.</summary>
    public new const string Name = "terminal";

    private static readonly string Indent = new(' ', 6);

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var text = new StringWriter();
        if (logEntry.LogLevel == LogLevel.Warning && message is not null)
        {
            text.Write($"warning: {message.ReplaceLineEndings(Environment.NewLine + Indent)}{Environment.NewLine}");
        }
        else
        {
            text.Write($"{Level(logEntry.LogLevel)}: {logEntry.Category}[{logEntry.EventId.Id}]{Environment.NewLine}");
            if (message is not null)
            {
                text.Write($"{Indent}{message.ReplaceLineEndings(Environment.NewLine + Indent)}{Environment.NewLine}");
            }
        }

        if (logEntry.Exception is { } exception)
        {
            text.Write($"{Indent}{exception.ToString().ReplaceLineEndings(Environment.NewLine + Indent)}{Environment.NewLine}");
        }

        // Nothing is written to the logger's own stream then: an empty entry is not queued.
        if (StatusLine.Current is { } terminal)
        {
            terminal.Write(new Text(text.ToString()));
            return;
        }

        textWriter.Write(text.ToString());
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => level.ToString().ToLowerInvariant(),
    };
}

/// <summary>The terminal a status line (a spinner Spectre redraws in place) is shown on now, if any: log entries go through it meanwhile.</summary>
internal static class StatusLine
{
    private static IAnsiConsole? _current;

    /// <summary>The terminal with a status line on it, or null when none is shown.</summary>
    public static IAnsiConsole? Current => Volatile.Read(ref _current);

    /// <summary>Marks a status line as shown on <paramref name="terminal"/> until the returned scope is disposed.</summary>
    /// <param name="terminal">Where the status line is drawn.</param>
    public static IDisposable Show(IAnsiConsole terminal)
    {
        Volatile.Write(ref _current, terminal);
        return new Scope(terminal);
    }

    private sealed class Scope(IAnsiConsole terminal) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref _current, null, terminal);
    }
}
