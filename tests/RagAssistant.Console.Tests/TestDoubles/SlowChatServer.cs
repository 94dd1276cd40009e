using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>
/// An OpenAI-compatible chat server on 127.0.0.1 (<c>POST /v1/chat/completions</c>) that streams a long answer slowly,
/// <c>word0 word1 ...</c>, one word each <c>tokenDelay</c>, so a test can interrupt the console mid-answer and see
/// that the answer stopped (<see cref="TokensSent"/> below <see cref="Tokens"/>). A request that does not stream (a
/// follow-up's rewrite) gets a few words at once.
/// </summary>
internal sealed class SlowChatServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private readonly TimeSpan tokenDelay;
    private int tokensSent;

    public SlowChatServer(int tokens, TimeSpan tokenDelay)
    {
        Tokens = tokens;
        this.tokenDelay = tokenDelay;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/v1");
        }

        listener.Prefixes.Add($"{Endpoint.GetLeftPart(UriPartial.Authority)}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    /// <summary>The base URL to configure as <c>ChatModel:Endpoint</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Words a streamed answer has when no one stops it.</summary>
    public int Tokens { get; }

    public int TokensSent => Volatile.Read(ref tokensSent);

    public void Dispose()
    {
        stopping.Cancel();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        stopping.Dispose();
    }

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

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            using var request = await JsonDocument.ParseAsync(context.Request.InputStream, cancellationToken: stopping.Token);
            var streams = request.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;
            if (!streams)
            {
                await WriteAsync(response, "application/json", Chunk("chat.completion", "message", "word0 word1 word2", "stop"));
                response.Close();
                return;
            }

            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            for (var i = 0; i < Tokens; i++)
            {
                await WriteAsync(response, null, $"data: {Chunk("chat.completion.chunk", "delta", $"word{i} ", null)}\n\n");
                Interlocked.Increment(ref tokensSent);
                await Task.Delay(tokenDelay, stopping.Token);
            }

            await WriteAsync(response, null, $"data: {Chunk("chat.completion.chunk", "delta", null, "stop")}\n\ndata: [DONE]\n\n");
            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away (the answer was cancelled), or the server is stopping.
        }
    }

    private static async Task WriteAsync(HttpListenerResponse response, string? contentType, string text)
    {
        if (contentType is not null)
        {
            response.ContentType = contentType;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        await response.OutputStream.WriteAsync(bytes);
        await response.OutputStream.FlushAsync();
    }

    // One OpenAI chat completion object, or one chunk of a streamed one.
    private static string Chunk(string kind, string field, string? content, string? finishReason) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = "chatcmpl-slow",
        ["object"] = kind,
        ["created"] = 0,
        ["model"] = "scripted",
        ["choices"] = new object[]
        {
            new Dictionary<string, object?>
            {
                ["index"] = 0,
                [field] = content is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = finishReason,
            },
        },
    });
}
