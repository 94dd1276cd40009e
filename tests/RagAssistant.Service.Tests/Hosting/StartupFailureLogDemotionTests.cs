using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Service.Lifetime;

namespace RagAssistant.Service.Tests.Hosting;

/// <summary>Only the host's "Hosting failed to start" whose cause Program reports in one line is moved to Debug; everything else keeps its level.</summary>
public sealed class StartupFailureLogDemotionTests
{
    private static readonly IOException PortInUse = new("Failed to bind to address http://127.0.0.1:5080: address already in use.", new AddressInUseException("Address already in use"));

    [Fact]
    public void The_hosts_startup_failure_for_a_busy_port_is_logged_at_debug()
    {
        var entries = Log(StartupFailureLogDemotion.HostCategory, StartupFailureLogDemotion.HostedServiceStartupFaulted, PortInUse);

        var entry = Assert.Single(entries);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Same(PortInUse, entry.Exception);
    }

    [Fact]
    public void The_hosts_startup_failure_for_a_conversation_store_that_cannot_be_opened_is_logged_at_debug()
    {
        var unusable = new RagAssistant.Hosting.Conversations.ConversationStoreException(RagAssistant.Hosting.Conversations.ConversationStoreError.Unavailable, "The conversation store /proc/nope/c.db cannot be created: Could not find file '/proc/nope'. Check that its folder is writable.");

        var entry = Assert.Single(Log(StartupFailureLogDemotion.HostCategory, StartupFailureLogDemotion.HostedServiceStartupFaulted, unusable));

        Assert.Equal(LogLevel.Debug, entry.Level);
    }

    [Theory]
    [InlineData(StartupFailureLogDemotion.HostCategory, StartupFailureLogDemotion.HostedServiceStartupFaulted, false)]
    [InlineData(StartupFailureLogDemotion.HostCategory, 9, true)]
    [InlineData("RagAssistant.Service", StartupFailureLogDemotion.HostedServiceStartupFaulted, true)]
    public void Other_errors_keep_their_level(string category, int eventId, bool portInUse)
    {
        var entries = Log(category, eventId, portInUse ? PortInUse : new InvalidOperationException("a hosted service failed"));

        Assert.Equal(LogLevel.Error, Assert.Single(entries).Level);
    }

    private static List<(LogLevel Level, Exception? Exception)> Log(string category, int eventId, Exception exception)
    {
        using var provider = new FakeLoggerProvider();
        using var inner = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        using var factory = new StartupFailureLogDemotion(inner);
        factory.CreateLogger(category).Log(LogLevel.Error, new EventId(eventId), "Hosting failed to start", exception, (state, _) => state);
        return [.. provider.Collector.GetSnapshot().Select(r => (r.Level, r.Exception))];
    }
}
