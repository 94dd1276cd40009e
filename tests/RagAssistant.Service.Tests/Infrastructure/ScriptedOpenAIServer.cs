using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// An OpenAI-compatible chat server on loopback that answers scripted text, for
/// <c>ChatModel:Provider=OpenAICompatible</c>: <c>POST /v1/chat/completions</c>, streamed (SSE chunks of a few words,
/// then <c>[DONE]</c>) or whole. The script sees the prompt the assistant sent, so an answer can cite the number the
/// assistant gave a paper ("[n] Title" lines of the sources block).
/// </summary>
internal sealed class ScriptedOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedOpenAIServer(WebApplication app) => _app = app;

    /// <summary>The base URL for <c>ChatModel:Endpoint</c>, up to and including <c>/v1</c>.</summary>
    public Uri Endpoint => new($"{_app.Urls.First()}/v1");

    /// <summary>The user messages received, in order.</summary>
    public List<string> Prompts { get; } = [];

    /// <summary>Starts the server; <paramref name="answer"/> writes the reply to the user message it is given.</summary>
    public static async Task<ScriptedOpenAIServer> StartAsync(Func<string, string> answer, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedOpenAIServer(app);
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var prompt = request!["messages"]!.AsArray().Last(m => (string?)m!["role"] == "user")!["content"]!.ToString();
            lock (server.Prompts)
            {
                server.Prompts.Add(prompt);
            }

            var text = answer(prompt);
            if (request["stream"]?.GetValue<bool>() != true)
            {
                await context.Response.WriteAsJsonAsync(new JsonObject
                {
                    ["id"] = "chatcmpl-scripted",
                    ["object"] = "chat.completion",
                    ["created"] = 0,
                    ["model"] = "scripted",
                    ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text }, ["finish_reason"] = "stop" }),
                    ["usage"] = new JsonObject { ["prompt_tokens"] = 100, ["completion_tokens"] = 20, ["total_tokens"] = 120 },
                }, context.RequestAborted);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            var pieces = text.Split(' ').Select((w, i) => i == 0 ? w : " " + w).Chunk(3).Select(words => string.Concat(words));
            foreach (var piece in pieces)
            {
                await WriteChunkAsync(context, new JsonObject { ["content"] = piece }, null);
            }

            await WriteChunkAsync(context, new JsonObject(), "stop");
            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>The number the prompt gave the paper titled <paramref name="title"/> ("[n] Title ..."), or null.</summary>
    public static int? SourceNumber(string prompt, string title)
    {
        foreach (var line in prompt.Split('\n'))
        {
            var trimmed = line.TrimStart();
            var close = trimmed.IndexOf("] ", StringComparison.Ordinal);
            if (trimmed.StartsWith('[') && close > 1 && int.TryParse(trimmed[1..close], out var number) && trimmed[(close + 2)..].StartsWith(title, StringComparison.OrdinalIgnoreCase))
            {
                return number;
            }
        }

        return null;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static async Task WriteChunkAsync(HttpContext context, JsonObject delta, string? finishReason)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-scripted",
            ["object"] = "chat.completion.chunk",
            ["created"] = 0,
            ["model"] = "scripted",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };
        await context.Response.WriteAsync($"data: {chunk.ToJsonString(JsonSerializerOptions.Default)}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
