using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace RagAssistant.Console.Cli;

/// <summary>
/// The console's log lines, as the simple formatter writes them (<c>warn: Category[id]</c>, the message indented
/// below), except that a line logged while a status line (the "Searching the corpus..." spinner) is shown first
/// clears that line: the log gets a line of its own instead of overprinting the spinner, which draws itself again below.
/// </summary>
internal sealed class TerminalLogFormatter() : ConsoleFormatter(Name)
{
    /// <summary>The formatter's name in the console logger options.</summary>
    public new const string Name = "terminal";

    // Carriage return, then erase the whole line (ECMA-48 EL 2).
    private const string ClearLine = "\r\u001b[2K";

    private static readonly string Indent = new(' ', 6);

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        if (StatusLine.IsShown && !System.Console.IsErrorRedirected)
        {
            textWriter.Write(ClearLine);
        }

        textWriter.Write($"{Level(logEntry.LogLevel)}: {logEntry.Category}[{logEntry.EventId.Id}]{Environment.NewLine}");
        if (message is not null)
        {
            textWriter.Write($"{Indent}{message.ReplaceLineEndings(Environment.NewLine + Indent)}{Environment.NewLine}");
        }

        if (logEntry.Exception is { } exception)
        {
            textWriter.Write($"{Indent}{exception.ToString().ReplaceLineEndings(Environment.NewLine + Indent)}{Environment.NewLine}");
        }
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

/// <summary>Whether a status line (a spinner that redraws one line) is on the terminal now; log lines clear it first.</summary>
internal static class StatusLine
{
    private static int _shown;

    /// <summary>True while a status line is shown.</summary>
    public static bool IsShown => Volatile.Read(ref _shown) > 0;

    /// <summary>Marks a status line as shown until the returned scope is disposed.</summary>
    public static IDisposable Show()
    {
        Interlocked.Increment(ref _shown);
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref _shown);
            }
        }
    }
}
