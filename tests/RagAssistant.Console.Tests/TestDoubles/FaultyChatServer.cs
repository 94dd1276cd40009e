using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>How <see cref="FaultyChatServer"/> answers a chat completion.</summary>
public enum ServerFault
{
    /// <summary>A streamed answer of three words, with its finish reason and <c>[DONE]</c>.</summary>
    None,

    /// <summary>An OpenAI error body with <see cref="FaultyChatServer.Status"/>.</summary>
    Status,

    /// <summary>A stream with a finish reason and no text.</summary>
    EmptyStream,

    /// <summary>stream:true ignored: a whole JSON completion with empty content.</summary>
    PlainJson,

    /// <summary>Three words streamed, then the connection closed: no finish reason, no <c>[DONE]</c>.</summary>
    CutOff,

    /// <summary>No reply for a minute.</summary>
    Stall,

    /// <summary>Three words stopped by the server's own limit (finish reason <c>length</c>).</summary>
    Length,
}

/// <summary>
/// An OpenAI-compatible chat server on 127.0.0.1 (<c>POST /v1/chat/completions</c>) that fails as <see cref="Fault"/>
/// says, the ways real servers do, and records each request's <c>Authorization</c> header.
/// </summary>
internal sealed class FaultyChatServer(ServerFault fault, HttpStatusCode status = HttpStatusCode.InternalServerError) : ChatCompletionServer
{
    private int requests;

    public ServerFault Fault => fault;

    public HttpStatusCode Status => status;

    public int Requests => Volatile.Read(ref requests);

    /// <summary>Each request's Authorization header, "" when it had none.</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref requests);
        Authorizations.Enqueue(context.Request.Headers["Authorization"] ?? string.Empty);
        using var request = await JsonDocument.ParseAsync(context.Request.InputStream);
        var response = context.Response;
        switch (fault)
        {
            case ServerFault.Status:
                response.StatusCode = (int)status;
                response.ContentType = "application/json";
                await WriteAsync(response, """{"error":{"message":"internal boom\n\ndetails","type":"server_error"}}""");
                response.Close();
                return;
            case ServerFault.PlainJson:
                response.ContentType = "application/json";
                await WriteAsync(response, Completion("chat.completion", "message", string.Empty, "stop"));
                response.Close();
                return;
            case ServerFault.Stall:
                await Task.Delay(TimeSpan.FromMinutes(1));
                response.Abort();
                return;
            default:
                break;
        }

        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        if (fault != ServerFault.EmptyStream)
        {
            foreach (var word in new[] { "word0 ", "word1 ", "word2" })
            {
                await WriteAsync(response, $"data: {Completion("chat.completion.chunk", "delta", word, null)}\n\n");
            }
        }

        if (fault == ServerFault.CutOff)
        {
            response.Abort();
            return;
        }

        await WriteAsync(response, $"data: {Completion("chat.completion.chunk", "delta", null, fault == ServerFault.Length ? "length" : "stop")}\n\ndata: [DONE]\n\n");
        response.Close();
    }
}
