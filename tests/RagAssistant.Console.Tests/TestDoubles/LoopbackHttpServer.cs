using System.Net;
using System.Net.Sockets;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>An HTTP server on a free port of 127.0.0.1 that answers one request at a time with <see cref="HandleAsync"/>.</summary>
internal abstract class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;
    private int disposed;

    protected LoopbackHttpServer()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        listener.Prefixes.Add(BaseUri.ToString());
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public Uri BaseUri { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    /// <summary>Answers one request; a client that goes away (an I/O or listener exception) ends it quietly.</summary>
    protected abstract Task HandleAsync(HttpListenerContext context);

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await HandleAsync(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away, or the test cut it on purpose.
            }
        }
    }
}
