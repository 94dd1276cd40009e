using Microsoft.Extensions.Hosting;
using RagAssistant.Service.Lifetime;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class ShutdownGraceTests
{
    [Fact]
    public async Task Answers_get_the_grace_period_after_shutdown_starts_then_are_cancelled()
    {
        using var lifetime = new ManualLifetime();
        using var grace = new ShutdownGrace(lifetime, Microsoft.Extensions.Options.Options.Create(new ServiceOptions { ShutdownTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.False(grace.Expired.IsCancellationRequested);

        var started = DateTime.UtcNow;
        lifetime.StopApplication();
        Assert.True(grace.Stopping.IsCancellationRequested);
        Assert.False(grace.Expired.IsCancellationRequested);

        await Task.Delay(Timeout.Infinite, grace.Expired).ContinueWith(_ => { }, TestContext.Current.CancellationToken);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public void Disposing_cancels_what_is_still_running()
    {
        using var lifetime = new ManualLifetime();
        var grace = new ShutdownGrace(lifetime, Microsoft.Extensions.Options.Options.Create(new ServiceOptions()));
        var expired = grace.Expired;

        grace.Dispose();

        Assert.True(expired.IsCancellationRequested);
    }

    private sealed class ManualLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public void Dispose() => _stopping.Dispose();
    }
}
