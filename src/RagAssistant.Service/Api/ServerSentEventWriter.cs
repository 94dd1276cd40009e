using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace RagAssistant.Service.Api;

/// <summary>Writes a <c>text/event-stream</c> response, flushing each event so the client sees it at once.</summary>
internal sealed class ServerSentEventWriter(HttpResponse response, JsonSerializerOptions serializerOptions)
{
    /// <summary>Sends the headers; after this the status code can no longer change.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";

        // Reverse proxies (nginx) would otherwise buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return response.StartAsync(cancellationToken);
    }

    /// <summary>Writes <c>event: NAME</c> with the payload as one JSON data line.</summary>
    public Task WriteEventAsync<T>(string eventName, T payload, CancellationToken cancellationToken) =>
        WriteRawAsync($"event: {eventName}\ndata: {JsonSerializer.Serialize(payload, serializerOptions)}\n\n", cancellationToken);

    /// <summary>Writes an unnamed event, as OpenAI streams do (<c>data: {...}</c>).</summary>
    public Task WriteDataAsync(string data, CancellationToken cancellationToken) =>
        WriteRawAsync($"data: {data}\n\n", cancellationToken);

    private async Task WriteRawAsync(string text, CancellationToken cancellationToken)
    {
        // JSON never contains a raw line break, so each payload stays on its one data line.
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
