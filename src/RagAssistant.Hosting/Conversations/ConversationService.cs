using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Contract;

namespace RagAssistant.Hosting.Conversations;

/// <summary>
/// Answers questions inside stored conversations, for every front end: a client sends only the new question and the
/// conversation id, and the history comes from the <see cref="IConversationStore"/>. The question is stored before
/// generation starts and the answer when it ends (a cancelled or failed one with its partial text); two turns to one
/// conversation take turns (<see cref="IConversationStore.LockAsync"/>), so the second sees the first's answer.
/// </summary>
/// <param name="store">Where conversations are kept.</param>
/// <param name="assistant">Checks and answers the questions.</param>
/// <param name="options">The title limit.</param>
/// <param name="logger">Logs turns whose outcome could not be stored.</param>
public sealed partial class ConversationService(IConversationStore store, AssistantService assistant, IOptions<ConversationOptions> options, ILogger<ConversationService> logger)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>How the HTTP API takes a new title (<c>PATCH /api/conversations/{id}</c>), as the message on an empty one says it.</summary>
    public const string ApiTitleUsage = "{\"title\": \"...\"}";

    /// <summary>The store, for listing, reading and deleting conversations.</summary>
    public IConversationStore Store => store;

    /// <summary>
    /// Checks a question (as <see cref="AssistantService.Validate"/>) and finds its conversation, or creates one titled
    /// after the question when <paramref name="conversationId"/> is null. Bad input is a message, not an exception.
    /// </summary>
    /// <param name="conversationId">The conversation to add the turn to, or null for a new one.</param>
    /// <param name="question">The question as received.</param>
    /// <param name="history">History a stateless client sends instead of an id, or null. Any history with <paramref name="conversationId"/>, even an empty one, is refused: the client meant one of the two.</param>
    /// <param name="topK">Sources to retrieve, or null for <c>Retrieval:TopK</c>.</param>
    /// <param name="fields">How the front end names its inputs in messages; null for the API's.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The turn to answer, or what is wrong with the input.</returns>
    /// <exception cref="ConversationStoreException">No conversation has the id (<see cref="ConversationStoreError.NotFound"/>), a limit is reached, or the store fails.</exception>
    public async Task<ConversationAskValidation> PrepareAsync(string? conversationId, string? question, IReadOnlyList<ChatMessage>? history, long? topK, AskFieldNames? fields = null, CancellationToken cancellationToken = default)
    {
        if (conversationId is not null && history is not null)
        {
            return ConversationAskValidation.Invalid("Send either conversation_id or history, not both: a stored conversation keeps its own history.", (fields ?? AskFieldNames.Api).History);
        }

        var checkedQuestion = assistant.Validate(question, history, topK, fields: fields);
        if (checkedQuestion.Request is not { } request)
        {
            return ConversationAskValidation.Invalid(checkedQuestion.Error!, checkedQuestion.Field);
        }

        if (conversationId is null)
        {
            var created = await store.CreateAsync(TitleFrom(request.Question), cancellationToken).ConfigureAwait(false);
            return ConversationAskValidation.Valid(new ConversationAsk(created.Id, request, HistoryFromClient: history is { Count: > 0 }));
        }

        var conversation = await store.GetAsync(conversationId, cancellationToken).ConfigureAwait(false) ?? throw SqlConversationStore.NotFound(conversationId);
        if (conversation.Turns.Count >= options.Value.MaxTurnsPerConversation)
        {
            throw new ConversationStoreException(
                ConversationStoreError.LimitReached,
                $"The conversation has {conversation.Turns.Count} turns; the limit is {options.Value.MaxTurnsPerConversation} ({ConversationOptions.SectionName}:{nameof(ConversationOptions.MaxTurnsPerConversation)}). Start a new conversation.");
        }

        return ConversationAskValidation.Valid(new ConversationAsk(conversation.Id, request, HistoryFromClient: false));
    }

    /// <summary>
    /// Streams the answer to a prepared turn, as <see cref="AssistantService.AskStreamingAsync"/>, inside the
    /// conversation: waits for its lock, reads its history, stores the question, and stores how the answer ended.
    /// </summary>
    /// <param name="ask">A turn from <see cref="PrepareAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the answer; the turn is then stored as cancelled with its partial text.</param>
    /// <returns>The answer updates; the last carries the result.</returns>
    /// <exception cref="ConversationStoreException">The store fails, or the conversation was deleted or filled meanwhile.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(ConversationAsk ask, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ask);
        await using var held = await store.LockAsync(ask.ConversationId, cancellationToken).ConfigureAwait(false);
        var request = ask.Request;
        Conversation? before = null;
        if (!ask.HistoryFromClient)
        {
            before = await store.GetAsync(ask.ConversationId, cancellationToken).ConfigureAwait(false) ?? throw SqlConversationStore.NotFound(ask.ConversationId);
            request = request with { History = assistant.LatestHistory(HistoryOf(before)) };
        }

        var turn = await store.AddQuestionAsync(ask.ConversationId, request.Question, cancellationToken).ConfigureAwait(false);
        var text = new StringBuilder();
        string? searchQuery = null;
        var finished = false;
        await using var updates = assistant.AskStreamingAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                ExceptionDispatchInfo? failure = null;
                var more = false;
                try
                {
                    more = await updates.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                }

                if (failure is not null)
                {
                    var cancelled = failure.SourceException is OperationCanceledException;
                    finished = true;
                    await FinishAsync(ask.ConversationId, turn, new TurnOutcome(
                        cancelled ? TurnStatus.Cancelled : TurnStatus.Failed, null, text.ToString(), searchQuery, cancelled ? null : failure.SourceException.Message)).ConfigureAwait(false);
                    failure.Throw();
                }

                if (!more)
                {
                    break;
                }

                switch (updates.Current)
                {
                    case SourcesRetrievedUpdate sources:
                        searchQuery = sources.SearchQuery;
                        break;
                    case AnswerTextUpdate piece:
                        text.Append(piece.Text);
                        break;
                    case AnswerCompletedUpdate completed:
                        finished = true;
                        await store.FinishTurnAsync(
                            ask.ConversationId,
                            turn,
                            new TurnOutcome(TurnStatus.Completed, ToAnswerJson(completed.Result, ask.ConversationId, indented: false), completed.Result.Answer, completed.Result.SearchQuery),
                            CancellationToken.None).ConfigureAwait(false);
                        if (!completed.Result.IsChat && before is not null && TitledAfterChat(before))
                        {
                            await store.RenameAsync(ask.ConversationId, TitleFrom(request.Question), CancellationToken.None).ConfigureAwait(false);
                        }

                        break;
                }

                yield return updates.Current;
            }
        }
        finally
        {
            if (!finished)
            {
                // The reader stopped listening (a client that left): the turn ends as cancelled, with what it had.
                await FinishAsync(ask.ConversationId, turn, new TurnOutcome(TurnStatus.Cancelled, null, text.ToString(), searchQuery)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Answers a prepared turn and returns the whole result (see <see cref="AskStreamingAsync"/>).</summary>
    /// <param name="ask">A turn from <see cref="PrepareAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the answer.</param>
    /// <returns>The answer.</returns>
    public Task<AnswerResult> AskAsync(ConversationAsk ask, CancellationToken cancellationToken = default) =>
        AnswerCompletedUpdate.ResultOfAsync(AskStreamingAsync(ask, cancellationToken), cancellationToken);

    /// <summary>Renames a conversation, or says why the title is refused.</summary>
    /// <param name="id">The conversation.</param>
    /// <param name="title">The new title; control characters and escape sequences are removed, white space collapsed to single spaces.</param>
    /// <param name="titleUsage">How the front end takes the title, for the message on an empty one; null for the API's body (<see cref="ApiTitleUsage"/>).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Null when renamed, else what is wrong with the title.</returns>
    /// <exception cref="ConversationStoreException">No conversation has the id, or the store fails.</exception>
    public async Task<string?> RenameAsync(string id, string? title, string? titleUsage = null, CancellationToken cancellationToken = default)
    {
        // A title is shown in the sidebar, the console's /history and exported Markdown: no control characters or
        // escape sequences reach any of them (the one rule, ControlCharacters).
        var trimmed = title is null ? null : string.Join(' ', ControlCharacters.Strip(title).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (string.IsNullOrEmpty(trimmed))
        {
            return $"The title is empty: give the new title as {titleUsage ?? ApiTitleUsage}.";
        }

        if (trimmed.Length > options.Value.MaxTitleChars)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The title is {trimmed.Length:N0} characters long; the limit is {options.Value.MaxTitleChars:N0} ({ConversationOptions.SectionName}:{nameof(ConversationOptions.MaxTitleChars)}).");
        }

        return await store.RenameAsync(id, trimmed, cancellationToken).ConfigureAwait(false) ? null : throw SqlConversationStore.NotFound(id);
    }

    /// <summary>
    /// A conversation as a Markdown document (<see cref="ConversationMarkdown"/>) with the file name it is saved under:
    /// its title reduced to a safe stem (<see cref="SafeFileStem"/>), <c>conversation.md</c> when nothing of it is left.
    /// </summary>
    /// <param name="id">The conversation.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The export, or null when no conversation has the id.</returns>
    /// <exception cref="ConversationStoreException">The store fails.</exception>
    public async Task<ConversationExport?> ExportAsync(string id, CancellationToken cancellationToken = default) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } conversation
            ? new ConversationExport(SafeFileStem.From(conversation.Title, "conversation") + ".md", ConversationMarkdown.Write(conversation))
            : null;

    /// <summary>A front end's conversation that is kept in the store: created on its first question.</summary>
    public AssistantConversation StartConversation() => new(assistant, this);

    /// <summary>Resumes a stored conversation: its completed turns are the history of the next question.</summary>
    /// <param name="id">The conversation.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The conversation, or null when none has that id.</returns>
    public async Task<(AssistantConversation Conversation, Conversation Stored)?> OpenConversationAsync(string id, CancellationToken cancellationToken = default)
    {
        var stored = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : (new AssistantConversation(assistant, this, stored.Id, HistoryOf(stored)), stored);
    }

    /// <summary>The answer object as <c>/api/ask</c> returns it: <see cref="AnswerJson"/> with <c>conversation_id</c> first.</summary>
    /// <param name="result">The answer.</param>
    /// <param name="conversationId">Its conversation.</param>
    /// <param name="indented">Indented for people, or one line for events and the store.</param>
    /// <returns>The JSON text.</returns>
    public static string ToAnswerJson(AnswerResult result, string conversationId, bool indented)
    {
        var node = (JsonObject)AnswerJson.ToJsonNode(result);
        node.Insert(0, "conversation_id", conversationId);
        return node.ToJsonString(indented ? Indented : Compact);
    }

    /// <summary>A title from the first question: white space collapsed, cut at <c>Conversations:MaxTitleChars</c> with an ellipsis.</summary>
    /// <param name="question">The question.</param>
    /// <returns>The title.</returns>
    public string TitleFrom(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var title = string.Join(' ', ControlCharacters.Strip(question).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var max = Math.Min(options.Value.MaxTitleChars, 80);
        return title.Length <= max ? title : string.Concat(title.AsSpan(0, max - 1).TrimEnd(), "…");
    }

    // A conversation opened with chat ("hi", "thanks") is titled after it; its first real question names it instead,
    // unless the user renamed it meanwhile.
    private bool TitledAfterChat(Conversation conversation) =>
        conversation.Turns is [{ Status: TurnStatus.Completed, AnswerText: AnswerPipeline.ChatReply } first, ..] &&
        conversation.Title == TitleFrom(first.Question) &&
        conversation.Turns.All(t => t.Status != TurnStatus.Completed || t.AnswerText == AnswerPipeline.ChatReply);

    // The completed turns, question then answer text: cancelled and failed answers never become context.
    internal static List<ChatMessage> HistoryOf(Conversation conversation) =>
        [.. conversation.Turns.Where(t => t.Status == TurnStatus.Completed && t.AnswerText is not null)
            .SelectMany(t => new[] { new ChatMessage(ChatRole.User, t.Question), new ChatMessage(ChatRole.Assistant, t.AnswerText) })];

    // How a turn ended is stored even when the answer was cancelled; a store that fails then is logged, not thrown
    // over the answer's own outcome.
    private async Task FinishAsync(string id, int turn, TurnOutcome outcome)
    {
        try
        {
            await store.FinishTurnAsync(id, turn, outcome, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConversationStoreException ex)
        {
            LogFinishFailed(logger, outcome.Status, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Status} turn could not be stored")]
    private static partial void LogFinishFailed(ILogger logger, TurnStatus status, Exception exception);
}

/// <summary>A conversation exported as Markdown (<see cref="ConversationService.ExportAsync"/>).</summary>
/// <param name="FileName">The name to save it under: the title's safe stem and <c>.md</c>.</param>
/// <param name="Markdown">The document (LF line ends; UTF-8 when saved).</param>
public sealed record ConversationExport(string FileName, string Markdown);

/// <summary>A checked question in its conversation, ready for <see cref="ConversationService.AskStreamingAsync"/>.</summary>
/// <param name="ConversationId">The conversation the turn is added to.</param>
/// <param name="Request">The checked question.</param>
/// <param name="HistoryFromClient">True when a stateless client sent the history; otherwise it is read from the store.</param>
public sealed record ConversationAsk(string ConversationId, AnswerRequest Request, bool HistoryFromClient);

/// <summary>A prepared turn, or what is wrong with the input.</summary>
/// <param name="Ask">The turn; null when invalid.</param>
/// <param name="Error">What is wrong and what to do; null when valid.</param>
/// <param name="Field">The input at fault, as <see cref="AskFieldNames"/> names it; null when valid or when no one input is.</param>
public readonly record struct ConversationAskValidation(ConversationAsk? Ask, string? Error, string? Field = null)
{
    /// <summary>A valid turn.</summary>
    public static ConversationAskValidation Valid(ConversationAsk ask) => new(ask, null);

    /// <summary>An invalid input and why.</summary>
    public static ConversationAskValidation Invalid(string error, string? field = null) => new(null, error, field);
}
