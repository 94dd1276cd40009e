using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Service.Lifetime;

namespace RagAssistant.Service.Tests.Hosting;

/// <summary>Only the host's "Hosting failed to start" for a busy port is moved to Debug; everything else keeps its level.</summary>
public sealed class PortInUseLogDemotionTests
{
    private static readonly IOException PortInUse = new("Failed to bind to address http://127.0.0.1:5080: address already in use.", new AddressInUseException("Address already in use"));

    [Fact]
    public void The_hosts_startup_failure_for_a_busy_port_is_logged_at_debug()
    {
        var entries = Log(PortInUseLogDemotion.HostCategory, PortInUseLogDemotion.HostedServiceStartupFaulted, PortInUse);

        var entry = Assert.Single(entries);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Same(PortInUse, entry.Exception);
    }

    [Theory]
    [InlineData(PortInUseLogDemotion.HostCategory, PortInUseLogDemotion.HostedServiceStartupFaulted, false)]
    [InlineData(PortInUseLogDemotion.HostCategory, 9, true)]
    [InlineData("RagAssistant.Service", PortInUseLogDemotion.HostedServiceStartupFaulted, true)]
    public void Other_errors_keep_their_level(string category, int eventId, bool portInUse)
    {
        var entries = Log(category, eventId, portInUse ? PortInUse : new InvalidOperationException("a hosted service failed"));

        Assert.Equal(LogLevel.Error, Assert.Single(entries).Level);
    }

    private static List<(LogLevel Level, Exception? Exception)> Log(string category, int eventId, Exception exception)
    {
        using var provider = new FakeLoggerProvider();
        using var inner = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        using var factory = new PortInUseLogDemotion(inner);
        factory.CreateLogger(category).Log(LogLevel.Error, new EventId(eventId), "Hosting failed to start", exception, (state, _) => state);
        return [.. provider.Collector.GetSnapshot().Select(r => (r.Level, r.Exception))];
    }
}
