using System.Collections;
using Microsoft.Extensions.Logging;
using RagAssistant.Core;

namespace RagAssistant.Hosting.Logging;

/// <summary>
/// The application's <see cref="ILoggerFactory"/> with one rule added for every log entry of both front ends: control
/// characters in the formatted message, in the structured values and in exception messages are escaped
/// (<see cref="ControlCharacters.Escape"/>: ESC is written <c>\u001b</c>, a line feed <c>\n</c>). A file name or a
/// document's text can then neither send escape sequences to the terminal showing the log nor start a forged line
/// (<c>fail: ...</c>). Entries without control characters pass unchanged; the inner factory's providers and filters
/// apply as before. Registered by <c>AddRagAssistant</c>.
/// </summary>
/// <param name="inner">The factory that owns the providers; owned by the container, not by this wrapper.</param>
public sealed class ControlCharacterEscapingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new EscapingLogger(inner.CreateLogger(categoryName));

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>Does nothing: the container disposes the inner factory it created.</summary>
    public void Dispose()
    {
    }

    private sealed class EscapingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            var values = state as IReadOnlyList<KeyValuePair<string, object?>>;
            var escapedValues = values is null ? null : EscapeValues(values);
            var escapedException = EscapedException.From(exception);
            if (escapedValues is null && escapedException is null && !ControlCharacters.ContainsAny(message))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, new EscapedState(escapedValues ?? values ?? [], ControlCharacters.Escape(message)), escapedException ?? exception, static (s, _) => s.Message);
        }

        // The values with control characters escaped, or null when none held any. The message template
        // ({OriginalFormat}) is the program's own text and stays as written.
        private static List<KeyValuePair<string, object?>>? EscapeValues(IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            List<KeyValuePair<string, object?>>? escaped = null;
            for (var i = 0; i < values.Count; i++)
            {
                var (key, value) = values[i];
                var text = key == "{OriginalFormat}" ? null : TextOf(value);
                if (text is not null && ControlCharacters.ContainsAny(text))
                {
                    escaped ??= [.. values];
                    escaped[i] = new(key, ControlCharacters.Escape(text));
                }
            }

            return escaped;
        }

        // What a provider would write for the value: its text for strings, records (a merge report), paths and lists.
        private static string? TextOf(object? value) => value switch
        {
            null or ValueType => null,
            string s => s,
            IEnumerable items => string.Join(", ", items.Cast<object?>()),
            _ => value.ToString(),
        };
    }

    /// <summary>The entry's state once escaped: the same keys, and the escaped message as its text.</summary>
    private sealed class EscapedState(IReadOnlyList<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }

    /// <summary>
    /// Stands in for an exception whose message (or an inner one's) holds control characters, an <see cref="IOException"/>
    /// naming a hostile file for example: it prints as the original, stack trace and all, with those messages escaped.
    /// </summary>
    private sealed class EscapedException : Exception
    {
        private readonly Exception _original;

        private EscapedException(Exception original)
            : base(ControlCharacters.Escape(original.Message), original.InnerException)
        {
            _original = original;
            HResult = original.HResult;
        }

        public static EscapedException? From(Exception? exception)
        {
            for (var e = exception; e is not null; e = e.InnerException)
            {
                if (ControlCharacters.ContainsAny(e.Message))
                {
                    return new EscapedException(exception!);
                }
            }

            return null;
        }

        public override string? StackTrace => _original.StackTrace;

        public override string ToString()
        {
            var text = _original.ToString();
            for (var e = _original; e is not null; e = e.InnerException)
            {
                if (ControlCharacters.ContainsAny(e.Message))
                {
                    text = text.Replace(e.Message, ControlCharacters.Escape(e.Message), StringComparison.Ordinal);
                }
            }

            return text;
        }
    }
}
