using System.ClientModel;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>
/// The chat client of a model server, as the assistant needs it: every failure of the server becomes a
/// <see cref="ModelServerException"/> whose one line names the server and the setting to fix, instead of the SDK's
/// multi-line messages; and a streamed answer that brings no text, or ends without a finish reason (the connection
/// closed mid-answer), is a failure, not a complete answer. The text streamed before such an end stays with the caller.
/// </summary>
/// <param name="inner">The OpenAI SDK's chat client.</param>
/// <param name="options">The section's validated options: where the server is, how long to wait.</param>
/// <param name="section">The configuration section the options come from (<c>ChatModel</c>), named in messages.</param>
internal sealed class ModelServerChatClient(IChatClient inner, OpenAICompatibleModelOptions options, string section) : DelegatingChatClient(inner)
{
    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Describe(ex, cancellationToken) is { } message)
        {
            throw new ModelServerException(message, ex);
        }
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var hasText = false;
        var finished = false;
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (Exception ex) when (Describe(ex, cancellationToken, hasText) is { } message)
            {
                throw new ModelServerException(message, ex);
            }

            var update = updates.Current;
            hasText |= !string.IsNullOrEmpty(update.Text);
            finished |= update.FinishReason is not null;
            yield return update;
        }

        // A server that ignores stream:true (a plain JSON reply) or streams nothing leaves an empty answer; one that
        // closes the connection mid-answer ends the stream without a finish reason, which every OpenAI server sends.
        if (!hasText)
        {
            throw new ModelServerException($"{Server} returned no answer text: check that ChatModel:ModelId names a chat model it serves and that it supports streamed chat completions.");
        }

        if (!finished)
        {
            throw new ModelServerException(CutOff);
        }
    }

    private string Server => $"the model server at {options.Endpoint} ({section}:Endpoint)";

    private string CutOff => $"{Server} closed the connection before the answer ended; the answer is incomplete.";

    // The one line for a failure of the server or of the way to it; null for the caller's own cancellation and for
    // faults of the assistant itself.
    private string? Describe(Exception exception, CancellationToken cancellationToken, bool midAnswer = false)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        if (exception is ClientResultException { Status: > 0 } result)
        {
            var reason = ServerMessage(result);
            var answered = $"{Server} answered HTTP {result.Status}{(reason.Length > 0 ? ": " + reason : string.Empty)}";
            return result.Status switch
            {
                (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden => $"{answered}; set the key it expects as {section}:ApiKey (environment variable {section}__ApiKey).",
                (int)HttpStatusCode.NotFound => $"{answered}; {section}:Endpoint must be the server's base URL ending in /v1 and {section}:ModelId a model it serves (it is {options.ModelId}).",
                _ => answered,
            };
        }

        var causes = new List<Exception>();
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            causes.Add(cause);
        }

        // The innermost cause says most (a refused socket under the HTTP client's connection error).
        if (causes.Any(c => c is SocketException { SocketErrorCode: SocketError.ConnectionRefused }))
        {
            return $"nothing is listening at {options.Endpoint}: start the model server or fix {section}:Endpoint.";
        }

        if (causes.Any(c => c is TimeoutException or OperationCanceledException))
        {
            return $"{Server} did not answer within {options.Timeout} ({section}:Timeout): check that it is running and not overloaded, or raise {section}:Timeout.";
        }

        if (causes.OfType<HttpRequestException>().FirstOrDefault(h => h.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError) is { } unreachable)
        {
            return $"{Server} cannot be reached: {OneLine(unreachable.Message)}";
        }

        if (causes.FirstOrDefault(c => c is HttpRequestException or IOException) is { } transport)
        {
            return midAnswer ? CutOff : $"{Server} failed: {OneLine(transport.Message)}";
        }

        return null;
    }

    // The server's own reason: OpenAI's {"error": {"message": ...}}, else its body's first line.
    private static string ServerMessage(ClientResultException exception)
    {
        string body;
        try
        {
            body = exception.GetRawResponse()?.Content?.ToString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return string.Empty; // a streamed body that was not buffered
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
            {
                var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var text) ? text : error;
                return OneLine(message.ValueKind == JsonValueKind.String ? message.GetString() ?? string.Empty : message.GetRawText());
            }
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's HTML page or plain text.
        }

        return OneLine(body);
    }

    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length > 200 ? string.Concat(line.AsSpan(0, 200), "...") : line;
    }
}
