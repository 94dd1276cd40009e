using System.Net;
using System.Text;
using System.Text.Json;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>An OpenAI-compatible chat server on 127.0.0.1 (<c>POST /v1/chat/completions</c>) whose replies a subclass scripts, in OpenAI's shapes.</summary>
internal abstract class ChatCompletionServer : LoopbackHttpServer
{
    /// <summary>The base URL to configure as <c>ChatModel:Endpoint</c>.</summary>
    public Uri Endpoint => new(BaseUri, "v1");

    /// <summary>Writes <paramref name="text"/> and sends it at once (a stream's chunk arrives when written).</summary>
    protected static async Task WriteAsync(HttpListenerResponse response, string text)
    {
        await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await response.OutputStream.FlushAsync();
    }

    /// <summary>One OpenAI chat completion object (<c>field</c> "message"), or one chunk of a streamed one ("delta").</summary>
    protected static string Completion(string kind, string field, string? content, string? finishReason) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = "chatcmpl-scripted",
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
