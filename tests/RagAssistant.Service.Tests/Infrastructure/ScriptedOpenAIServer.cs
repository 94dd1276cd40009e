using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// A scripted OpenAI-compatible model server on loopback (Kestrel, like <see cref="ModelFileServer"/>): every chat
/// completion answers <see cref="Words"/>, streamed one word per chunk with <see cref="WordDelay"/> between them (or
/// whole, for a request that does not stream). A service with <c>ChatModel:Provider=OpenAICompatible</c> pointing at
/// <see cref="Endpoint"/> generates through it, as slowly as a test needs, without a model.
/// </summary>
internal sealed class ScriptedOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ScriptedOpenAIServer(WebApplication app) => _app = app;

    /// <summary>The base URL to give as <c>ChatModel:Endpoint</c> (ends in <c>/v1</c>).</summary>
    public Uri Endpoint => new($"{_app.Urls.First()}/v1");

    /// <summary>The answer's words.</summary>
    public IReadOnlyList<string> Words { get; set; } = ["The", "papers", "say", "so", "[1]."];

    /// <summary>The pause before each streamed word.</summary>
    public TimeSpan WordDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Chat completion requests received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<ScriptedOpenAIServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedOpenAIServer(app);
        app.MapPost("/v1/chat/completions", server.CompleteAsync);
        await app.StartAsync(cancellationToken);
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task CompleteAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var stream = body.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var words = Words;
        if (!stream)
        {
            await context.Response.WriteAsJsonAsync(
                new
                {
                    id = "scripted",
                    @object = "chat.completion",
                    created = 0,
                    model = "scripted",
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = string.Join(' ', words) }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 10, completion_tokens = words.Count, total_tokens = 10 + words.Count },
                },
                context.RequestAborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        for (var i = 0; i < words.Count; i++)
        {
            if (WordDelay > TimeSpan.Zero)
            {
                await Task.Delay(WordDelay, context.RequestAborted);
            }

            await WriteChunkAsync(context, new { content = (i == 0 ? string.Empty : " ") + words[i] }, null, null);
        }

        await WriteChunkAsync(context, new { }, "stop", new { prompt_tokens = 10, completion_tokens = words.Count, total_tokens = 10 + words.Count });
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    private static async Task WriteChunkAsync(HttpContext context, object delta, string? finishReason, object? usage)
    {
        var chunk = JsonSerializer.Serialize(new
        {
            id = "scripted",
            @object = "chat.completion.chunk",
            created = 0,
            model = "scripted",
            choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
            usage,
        });
        await context.Response.WriteAsync($"data: {chunk}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
