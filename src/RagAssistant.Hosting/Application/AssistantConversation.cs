using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Hosting.Application;

/// <summary>
/// A conversation a front end keeps itself (the console chat), rather than receiving its history with every request
/// (<c>/api/ask</c>, <c>/v1/chat/completions</c>): each question is checked with the latest turns that fit
/// <see cref="AskOptions.MaxHistoryMessages"/>, and a completed answer becomes the next turn. One from
/// <see cref="ConversationService.StartConversation"/> is also kept in the <see cref="IConversationStore"/> (created on
/// its first question), so it can be resumed later. Not thread-safe: one question at a time, as a person asks them.
/// </summary>
public sealed class AssistantConversation
{
    private readonly AssistantService _assistant;
    private readonly ConversationService? _stored;
    private readonly List<ChatMessage> _history = [];

    internal AssistantConversation(AssistantService assistant, ConversationService? stored = null, string? id = null, IEnumerable<ChatMessage>? history = null)
    {
        _assistant = assistant;
        _stored = stored;
        Id = id;
        _history.AddRange(history ?? []);
    }

    /// <summary>The stored conversation's id; null before its first question, or when it is not stored.</summary>
    public string? Id { get; private set; }

    /// <summary>The completed turns so far, oldest first: a user message and the assistant's answer for each.</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>
    /// Checks a question against <see cref="AskOptions"/> and builds its request with the latest history that fits
    /// (the conversation can outgrow the limit). Never throws for bad input: the message says what is wrong.
    /// </summary>
    /// <param name="question">The question as typed; surrounding white space is trimmed.</param>
    public AskValidation Validate(string? question) => _assistant.Validate(question, _assistant.LatestHistory(_history));

    /// <summary>
    /// Streams the answer to a checked request (<see cref="Validate"/>) and records the question and the answer as the
    /// next turn once the answer completes. An answer that fails or is cancelled leaves the history as it was (a
    /// stored conversation keeps it, marked as such, with its partial text).
    /// </summary>
    /// <param name="request">A request from <see cref="Validate"/>.</param>
    /// <param name="cancellationToken">Cancels the answer.</param>
    /// <exception cref="ArgumentException">The request breaks the pipeline's own rules (it was not validated).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(AnswerRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        IAsyncEnumerable<AnswerUpdate> updates;
        if (_stored is null)
        {
            updates = _assistant.AskStreamingAsync(request, cancellationToken);
        }
        else
        {
            Id ??= (await _stored.Store.CreateAsync(_stored.TitleFrom(request.Question), cancellationToken).ConfigureAwait(false)).Id;
            updates = _stored.AskStreamingAsync(new ConversationAsk(Id, request, HistoryFromClient: false), cancellationToken);
        }

        await foreach (var update in updates.ConfigureAwait(false))
        {
            if (update is AnswerCompletedUpdate completed)
            {
                _history.Add(new ChatMessage(ChatRole.User, request.Question));
                _history.Add(new ChatMessage(ChatRole.Assistant, completed.Result.Answer));
            }

            yield return update;
        }
    }

    /// <summary>Forgets every turn: the next question starts fresh (a stored conversation starts a new one; the old one stays stored).</summary>
    public void Reset()
    {
        _history.Clear();
        Id = null;
    }
}
