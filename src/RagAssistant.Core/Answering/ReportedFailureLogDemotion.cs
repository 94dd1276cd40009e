using Microsoft.Extensions.Logging;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The logger factory Semantic Kernel's steps and the model servers' chat clients log through, except that an entry carrying an
/// <see cref="OperationCanceledException"/> goes to Debug without its stack trace. SK logs every exception a function
/// ends with as an error ("Function answering-answer failed") before rethrowing it, cancellation included; a stopped
/// answer (Ctrl+C, the web chat's Stop, a client that left) is normal, and the front end that cancelled it logs the
/// one line that says so. An entry carrying a <see cref="ModelServerException"/> goes to Debug with its trace: the
/// front end shows its one-line message, and the fault is the model server's, not the assistant's. Every other entry
/// passes unchanged.
/// </summary>
/// <param name="inner">The application's logger factory; owned by its container, not by this wrapper.</param>
public sealed class ReportedFailureLogDemotion(ILoggerFactory inner) : ILoggerFactory
{
    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new CancellationDemotingLogger(inner.CreateLogger(categoryName));

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <inheritdoc/>
    /// <remarks>The container disposes the inner factory it created.</remarks>
    public void Dispose()
    {
    }

    private sealed class CancellationDemotingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is OperationCanceledException)
            {
                inner.Log(LogLevel.Debug, eventId, state, null, (s, _) => formatter(s, exception));
                return;
            }

            if (exception is ModelServerException && logLevel > LogLevel.Debug)
            {
                inner.Log(LogLevel.Debug, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
