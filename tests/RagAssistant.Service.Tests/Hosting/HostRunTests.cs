using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class HostRunTests
{
    [Fact]
    public async Task A_failed_start_stops_the_background_start_up_before_the_host_is_disposed()
    {
        var startUp = new NativeStartUp();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(startUp);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NativeStartUp>());
        builder.Services.AddHostedService<PortInUse>();

        using var host = builder.Build();

        await Assert.ThrowsAsync<IOException>(host.RunStoppingOnFailedStartAsync);

        // The host (and its native owners) is disposed only after this returns: nothing may still be running then.
        // (Stopped before its thread ran, the start-up never begins: nothing to wait for.)
        Assert.True(startUp.ExecuteTask!.IsCompleted, "the start-up was still running when the failed start returned");
        Assert.False(startUp.InNativeCode, "the start-up was still inside native code when the failed start returned");
    }

    // The model load and indexing: runs until cancelled, as a native call would until it returns.
    private sealed class NativeStartUp : BackgroundService
    {
        public bool InNativeCode { get; private set; }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            InNativeCode = true;
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // Leave "native code" a little later than asked, as a llama.cpp call would.
                await Task.Delay(200, CancellationToken.None);
            }
            finally
            {
                InNativeCode = false;
            }
        }
    }

    // Kestrel failing to bind: starts after the background services, like the web host.
    private sealed class PortInUse : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new IOException("Failed to bind to address http://127.0.0.1:1: address already in use.");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
