using System.Runtime.CompilerServices;
using System.Text.Json;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>One event of a text/event-stream response.</summary>
internal sealed record ServerSentEvent(string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>Reads Server-Sent Events the way a browser does: blocks separated by a blank line.</summary>
internal static class ServerSentEvents
{
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream);
        string? eventName = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    yield return new ServerSentEvent(eventName ?? "message", string.Join("\n", data));
                }

                eventName = null;
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line[5..].TrimStart());
            }
        }
    }

    public static async Task<List<ServerSentEvent>> ReadAllAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var events = new List<ServerSentEvent>();
        await foreach (var e in ReadAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken))
        {
            events.Add(e);
        }

        return events;
    }
}
