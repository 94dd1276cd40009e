using System.Collections.Concurrent;
using System.Net;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 that serves one file with range support, and can misbehave on purpose:
/// cut the connection part-way, ignore ranges, or answer with an error status.
/// </summary>
internal sealed class LoopbackModelServer(byte[] content) : LoopbackHttpServer
{
    private int requestCount;

    public Uri FileUri => new(BaseUri, "models/test-model.gguf");

    public byte[] Content { get; set; } = content;

    /// <summary>Range headers received, in order ("" when a request had none).</summary>
    public ConcurrentQueue<string> Ranges { get; } = new();

    /// <summary>Cut the connection after this many body bytes, for the first N requests.</summary>
    public int CutAfterBytes { get; set; } = -1;

    public int CutRequests { get; set; }

    public bool IgnoreRange { get; set; }

    public HttpStatusCode? FailWith { get; set; }

    public int RequestCount => requestCount;

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var number = Interlocked.Increment(ref requestCount);
        var range = context.Request.Headers["Range"] ?? string.Empty;
        Ranges.Enqueue(range);
        var response = context.Response;
        if (FailWith is { } status)
        {
            response.StatusCode = (int)status;
            response.Close();
            return;
        }

        long start = 0;
        if (!IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            if (start >= Content.Length)
            {
                response.StatusCode = 416;
                response.AddHeader("Content-Range", $"bytes */{Content.Length}");
                response.Close();
                return;
            }

            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {start}-{Content.Length - 1}/{Content.Length}");
        }

        var body = Content.AsMemory((int)start);
        response.ContentLength64 = body.Length;
        response.SendChunked = false;
        if (CutAfterBytes >= 0 && number <= CutRequests && CutAfterBytes < body.Length)
        {
            await response.OutputStream.WriteAsync(body[..CutAfterBytes]);
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        await response.OutputStream.WriteAsync(body);
        response.Close();
    }
}
