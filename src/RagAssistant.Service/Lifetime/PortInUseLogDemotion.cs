using Microsoft.AspNetCore.Connections;

namespace RagAssistant.Service.Lifetime;

/// <summary>
/// The application's <see cref="ILoggerFactory"/>, except that the generic host's "Hosting failed to start" error is
/// logged at Debug when its cause is a port another program holds: <c>Program</c> then prints the one line that says
/// what to do, and the stack trace stays available at Debug. Every other entry passes unchanged.
/// </summary>
/// <param name="inner">The logger factory the host would have used; owned by the container, not by this wrapper.</param>
internal sealed class PortInUseLogDemotion(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>The category of <c>Microsoft.Extensions.Hosting.Internal.Host</c>'s own log entries.</summary>
    internal const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>The host's event id of "Hosting failed to start" (<c>LoggerEventIds.HostedServiceStartupFaulted</c>).</summary>
    internal const int HostedServiceStartupFaulted = 11;

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return string.Equals(categoryName, HostCategory, StringComparison.Ordinal) ? new HostLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The container disposes the inner factory it created.
    public void Dispose()
    {
    }

    /// <summary>True when <paramref name="exception"/> is Kestrel's "Failed to bind" for an address already in use.</summary>
    internal static bool IsPortInUse(Exception? exception) =>
        exception is IOException { InnerException: AddressInUseException };

    private sealed class HostLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = eventId.Id == HostedServiceStartupFaulted && IsPortInUse(exception) ? LogLevel.Debug : logLevel;
            inner.Log(level, eventId, state, exception, formatter);
        }
    }
}
