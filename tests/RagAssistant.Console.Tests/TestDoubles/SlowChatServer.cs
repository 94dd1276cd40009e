using System.Net;
using System.Text.Json;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>
/// An OpenAI-compatible chat server on 127.0.0.1 (<c>POST /v1/chat/completions</c>) that streams a long answer slowly,
/// <c>word0 word1 ...</c>, one word each <paramref name="tokenDelay"/>, so a test can interrupt the console mid-answer
/// and see that the answer stopped (<see cref="TokensSent"/> below <see cref="Tokens"/>). A request that does not
/// stream (a follow-up's rewrite) gets a few words at once.
/// </summary>
/// <param name="tokens">Words a streamed answer has when no one stops it.</param>
/// <param name="tokenDelay">The pause after each word.</param>
internal sealed class SlowChatServer(int tokens, TimeSpan tokenDelay) : ChatCompletionServer
{
    private int tokensSent;

    /// <summary>Words a streamed answer has when no one stops it.</summary>
    public int Tokens => tokens;

    public int TokensSent => Volatile.Read(ref tokensSent);

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        using var request = await JsonDocument.ParseAsync(context.Request.InputStream);
        if (!request.RootElement.TryGetProperty("stream", out var stream) || stream.ValueKind != JsonValueKind.True)
        {
            response.ContentType = "application/json";
            await WriteAsync(response, Completion("chat.completion", "message", "word0 word1 word2", "stop"));
            response.Close();
            return;
        }

        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        for (var i = 0; i < tokens; i++)
        {
            await WriteAsync(response, $"data: {Completion("chat.completion.chunk", "delta", $"word{i} ", null)}\n\n");
            Interlocked.Increment(ref tokensSent);
            await Task.Delay(tokenDelay);
        }

        await WriteAsync(response, $"data: {Completion("chat.completion.chunk", "delta", null, "stop")}\n\ndata: [DONE]\n\n");
        response.Close();
    }
}
