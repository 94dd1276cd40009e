using Microsoft.AspNetCore.Connections;

namespace RagAssistant.Service.Lifetime;

/// <summary>
/// The application's <see cref="ILoggerFactory"/>, except that the generic host's "Hosting failed to start" error is
/// logged at Debug when <c>Program</c> reports its cause in one line that says what to do (a port another program
/// holds, an https:// address without a certificate, a conversation store that cannot be opened); the stack trace stays available at Debug. Every other entry
/// passes unchanged.
/// </summary>
/// <param name="inner">The logger factory the host would have used; owned by the container, not by this wrapper.</param>
internal sealed class StartupFailureLogDemotion(ILoggerFactory inner) : ILoggerFactory
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

    /// <summary>
    /// True when <paramref name="exception"/> is Kestrel's refusal to listen on an https:// address without a server
    /// certificate ("Unable to configure HTTPS endpoint. No server certificate was specified, ...").
    /// </summary>
    internal static bool IsMissingCertificate(Exception? exception) =>
        exception is InvalidOperationException { Source: "Microsoft.AspNetCore.Server.Kestrel.Core" } invalid
        && invalid.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <c>Program</c> turns <paramref name="exception"/> into its one line: the log need not repeat it.</summary>
    internal static bool IsReportedByProgram(Exception? exception) =>
        IsPortInUse(exception) || IsMissingCertificate(exception) || exception is RagAssistant.Hosting.Conversations.ConversationStoreException;

    private sealed class HostLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = eventId.Id == HostedServiceStartupFaulted && IsReportedByProgram(exception) ? LogLevel.Debug : logLevel;
            inner.Log(level, eventId, state, exception, formatter);
        }
    }
}
