using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace RagAssistant.Testing.Chat;

/// <summary>
/// A fake <see cref="IChatClient"/>: each call streams the next scripted reply (its pieces as separate updates),
/// records what it was sent, and throws when no reply is left.
/// </summary>
public sealed class ScriptedChatClient(params string[][] replies) : IChatClient
{
    private readonly Queue<string[]> _replies = new(replies);

    /// <summary>The messages and options of each call, in order.</summary>
    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    /// <summary>Usage reported after each reply's text, or null for none.</summary>
    public UsageDetails? Usage { get; init; }

    /// <summary>The finish reason reported with <see cref="Usage"/>.</summary>
    public ChatFinishReason FinishReason { get; init; } = ChatFinishReason.Stop;

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            text.Append(update.Text);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()));
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Add(([.. messages], options));
        var pieces = _replies.Count > 0 ? _replies.Dequeue() : throw new InvalidOperationException("No scripted reply left.");
        foreach (var piece in pieces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
        }

        if (Usage is not null)
        {
            yield return new ChatResponseUpdate { Contents = [new UsageContent(Usage)], FinishReason = FinishReason };
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
