using Microsoft.Extensions.Logging;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The logger factory Semantic Kernel's steps and the model servers' clients log through, except that an entry
/// carrying an <see cref="OperationCanceledException"/> goes to Debug without its stack trace. SK logs every exception
/// a function ends with as an error ("Function answering-answer failed") before rethrowing it, cancellation included;
/// a stopped answer (Ctrl+C, the web chat's Stop, a client that left) is normal, and the front end that cancelled it
/// logs the one line that says so. An entry carrying a <see cref="ModelServerException"/> goes to Debug with its
/// trace: the front end shows its one-line message, and the fault is the model server's, not the assistant's. A
/// component that reports such a failure itself and carries on without the model logs through <see cref="Of"/>.
/// Every other entry passes unchanged.
/// </summary>
/// <param name="inner">The application's logger factory; owned by its container, not by this wrapper.</param>
public sealed class ReportedFailureLogDemotion(ILoggerFactory inner) : ILoggerFactory
{
    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new DemotingLogger(inner.CreateLogger(categoryName), reports: false);

    /// <summary>
    /// The logger of a component that reports a model's failure itself and carries on without it (BM25 when the
    /// embedding model fails, the first-stage order when the reranker's chat model does): its entry carrying a
    /// <see cref="ModelServerException"/> is the report, its message holding the exception's one line, so it stays,
    /// at Warning at most, without the stack trace, which follows at Debug. Cancellation is demoted as above.
    /// </summary>
    /// <param name="logger">The component's logger.</param>
    /// <returns>The logger with these rules applied.</returns>
    public static ILogger Of(ILogger logger) => new DemotingLogger(logger, reports: true);

    /// <inheritdoc/>
    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <inheritdoc/>
    /// <remarks>The container disposes the inner factory it created.</remarks>
    public void Dispose()
    {
    }

    // reports: the entries are the component's own reports of a model server's failure (Of), not repeats of one.
    private sealed class DemotingLogger(ILogger inner, bool reports) : ILogger
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
                if (reports)
                {
                    inner.Log(logLevel > LogLevel.Warning ? LogLevel.Warning : logLevel, eventId, state, null, formatter);
                }

                inner.Log(LogLevel.Debug, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
