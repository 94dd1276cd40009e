using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// A scripted OpenAI-compatible model server on loopback (<c>POST /v1/chat/completions</c>, streamed as OpenAI streams):
/// it holds the first token until <see cref="ReleaseFirstToken"/> and then sends <see cref="Tokens"/> tokens, one each
/// <see cref="TokenDelay"/>, so a test can see what the assistant does before the first token and in mid-answer. A
/// request that does not stream (the follow-up rewrite) gets <see cref="Completion"/> at once. Started with a script
/// instead, it answers at once what the script writes for the prompt it was sent (streamed a few words a chunk, or
/// whole), so an answer can cite the numbers the assistant gave its papers (<see cref="SourceNumber"/>).
/// </summary>
internal sealed class ScriptedModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private TaskCompletionSource _firstToken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;
    private int _tokensSent;
    private int _aborted;
    private Func<string, string>? _script;

    private ScriptedModelServer(WebApplication app) => _app = app;

    /// <summary>The base URL to configure as <c>ChatModel:Endpoint</c>.</summary>
    public Uri Endpoint => new($"{_app.Urls.First()}/v1");

    /// <summary>Tokens each answer streams after the first is released (a test may change it between answers).</summary>
    public int Tokens { get; set; } = 5;

    /// <summary>Pause after each token (a test may change it between answers).</summary>
    public TimeSpan TokenDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The whole answer to a request that does not stream (the assistant's rewrite of a follow-up into a standalone query).</summary>
    public string Completion { get; set; } = "word0 word1 word2";

    /// <summary>When set, every completion fails with this status and an OpenAI error body ("internal boom"), as a broken server's would.</summary>
    public int? FailWith { get; set; }

    /// <summary>When set, a streamed answer ends after its tokens with the connection closed: no finish reason, no <c>[DONE]</c>.</summary>
    public bool CutOff { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public int TokensSent => Volatile.Read(ref _tokensSent);

    /// <summary>Completions whose client (the assistant) went away before the end.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    public static async Task<ScriptedModelServer> StartAsync(CancellationToken cancellationToken, int tokens = 5, TimeSpan? tokenDelay = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedModelServer(app) { Tokens = tokens, TokenDelay = tokenDelay ?? TimeSpan.FromMilliseconds(20) };
        app.MapPost("/v1/chat/completions", server.CompleteAsync);
        await app.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>Starts a server whose every answer is what <paramref name="script"/> writes for the last user message it is sent.</summary>
    public static async Task<ScriptedModelServer> StartAsync(Func<string, string> script, CancellationToken cancellationToken)
    {
        var server = await StartAsync(cancellationToken, tokens: 0, TimeSpan.Zero);
        server._script = script;
        server.ReleaseFirstToken();
        return server;
    }

    /// <summary>The number the prompt gave the paper titled <paramref name="title"/> ("[n] Title ..."), or null.</summary>
    public static int? SourceNumber(string prompt, string title) =>
        SourceNumbers(prompt).Where(s => s.Title.StartsWith(title, StringComparison.OrdinalIgnoreCase)).Select(s => (int?)s.Number).FirstOrDefault();

    /// <summary>The sources the prompt offered ("[n] Title ..." lines), in order.</summary>
    public static IEnumerable<(int Number, string Title)> SourceNumbers(string prompt)
    {
        foreach (var line in prompt.Split('\n'))
        {
            var trimmed = line.TrimStart();
            var close = trimmed.IndexOf("] ", StringComparison.Ordinal);
            if (trimmed.StartsWith('[') && close > 1 && int.TryParse(trimmed[1..close], out var number))
            {
                yield return (number, trimmed[(close + 2)..]);
            }
        }
    }

    /// <summary>Lets every answer, held before its first token, go on.</summary>
    public void ReleaseFirstToken() => Volatile.Read(ref _firstToken).TrySetResult();

    /// <summary>Holds the first token of the next answers again, after a <see cref="ReleaseFirstToken"/>.</summary>
    public void HoldFirstToken() => Volatile.Write(ref _firstToken, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        ReleaseFirstToken();
        await _app.DisposeAsync();
    }

    private async Task CompleteAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var aborted = context.RequestAborted;
        if (FailWith is { } status)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "internal boom", type = "server_error" } }, aborted);
            return;
        }

        string? scripted;
        using (var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: aborted))
        {
            var prompt = request.RootElement.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").ToString();
            scripted = _script?.Invoke(prompt);
            if (!request.RootElement.TryGetProperty("stream", out var stream) || stream.ValueKind != JsonValueKind.True)
            {
                await context.Response.WriteAsJsonAsync(
                    new Dictionary<string, object?>
                    {
                        ["id"] = "chatcmpl-scripted",
                        ["object"] = "chat.completion",
                        ["created"] = 0,
                        ["model"] = "scripted",
                        ["choices"] = new object[] { new Dictionary<string, object?> { ["index"] = 0, ["message"] = new { role = "assistant", content = scripted ?? Completion }, ["finish_reason"] = "stop" } },
                    },
                    aborted);
                return;
            }
        }

        context.Response.ContentType = "text/event-stream";
        try
        {
            await context.Response.StartAsync(aborted);
            await Volatile.Read(ref _firstToken).Task.WaitAsync(aborted);
            if (scripted is not null)
            {
                foreach (var piece in scripted.Split(' ').Select((w, i) => i == 0 ? w : " " + w).Chunk(3).Select(words => string.Concat(words)))
                {
                    await WriteAsync(context.Response, new { content = piece }, null, aborted);
                    Interlocked.Increment(ref _tokensSent);
                }
            }

            for (var i = 0; i < Tokens; i++)
            {
                await WriteAsync(context.Response, new { content = $"word{i} " }, null, aborted);
                Interlocked.Increment(ref _tokensSent);
                await Task.Delay(TokenDelay, aborted);
            }

            if (CutOff)
            {
                // Kestrel aborts with a reset, which drops what the client has not read yet: let it read the tokens first.
                await Task.Delay(TimeSpan.FromMilliseconds(300), aborted);
                context.Abort();
                return;
            }

            await WriteAsync(context.Response, new { }, "stop", aborted);
            await context.Response.WriteAsync("data: [DONE]\n\n", aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _aborted);
        }
    }

    private static async Task WriteAsync(HttpResponse response, object delta, string? finishReason, CancellationToken cancellationToken)
    {
        var chunk = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "chatcmpl-scripted",
            ["object"] = "chat.completion.chunk",
            ["created"] = 0,
            ["model"] = "scripted",
            ["choices"] = new object[] { new Dictionary<string, object?> { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason } },
        });
        await response.WriteAsync($"data: {chunk}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
