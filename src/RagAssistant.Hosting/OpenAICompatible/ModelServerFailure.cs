using System.ClientModel;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>
/// How a failure of a model server (chat or embedding) is said: one line that names the server and the setting of
/// <paramref name="section"/> to fix, instead of the SDK's multi-line messages. The one implementation behind
/// <see cref="ModelServerChatClient"/> and <see cref="ModelServerEmbeddingGenerator"/>.
/// </summary>
/// <param name="options">The section's validated options: where the server is, how long to wait.</param>
/// <param name="section">The configuration section the options come from (<c>ChatModel</c>, <c>EmbeddingModel</c>), named in messages.</param>
internal sealed class ModelServerFailure(OpenAICompatibleModelOptions options, string section)
{
    /// <summary>The server as messages name it, with the setting that points at it.</summary>
    public string Server => $"the model server at {options.Endpoint} ({section}:Endpoint)";

    /// <summary>A streamed answer the server ended before its finish reason.</summary>
    public string CutOff => $"{Server} closed the connection before the answer ended; the answer is incomplete.";

    /// <summary>
    /// The one line for a failure of the server or of the way to it; null for the caller's own cancellation and for
    /// faults of the assistant itself.
    /// </summary>
    /// <param name="exception">What the client threw.</param>
    /// <param name="cancellationToken">The caller's token: once cancelled, the failure is the cancellation.</param>
    /// <param name="midAnswer">True when a streamed answer had begun: a broken connection then cut it off.</param>
    /// <returns>The line, or null.</returns>
    public string? Describe(Exception exception, CancellationToken cancellationToken, bool midAnswer = false)
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
