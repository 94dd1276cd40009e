using System.Runtime.CompilerServices;
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
/// <param name="failure">How the server's failures are said (<c>ChatModel</c>).</param>
internal sealed class ModelServerChatClient(IChatClient inner, ModelServerFailure failure) : DelegatingChatClient(inner)
{
    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failure.Describe(ex, cancellationToken) is { } message)
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
            catch (Exception ex) when (failure.Describe(ex, cancellationToken, hasText) is { } message)
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
            throw new ModelServerException($"{failure.Server} returned no answer text: check that ChatModel:ModelId names a chat model it serves and that it supports streamed chat completions.");
        }

        if (!finished)
        {
            throw new ModelServerException(failure.CutOff);
        }
    }
}
