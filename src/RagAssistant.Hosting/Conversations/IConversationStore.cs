namespace RagAssistant.Hosting.Conversations;

/// <summary>
/// Keeps conversations and their turns: <see cref="SqliteConversationStore"/> (a file, the default) or
/// <see cref="PostgresConversationStore"/> (a server several instances share). Both pass the same tests. Every method
/// throws <see cref="ConversationStoreException"/> for a store that cannot be used (full disk, unreachable server,
/// a newer schema, a limit reached), with a message the user can act on; never the connection string.
/// </summary>
public interface IConversationStore
{
    /// <summary>Creates or upgrades the schema (idempotent; every other method does it first when needed).</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <exception cref="ConversationStoreException">The store was written by a newer version, or cannot be opened.</exception>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates an empty conversation.</summary>
    /// <param name="title">Its title, already cut to the limit.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The new conversation (no turns).</returns>
    /// <exception cref="ConversationStoreException">The store holds <c>Conversations:MaxConversations</c> already (<see cref="ConversationStoreError.LimitReached"/>).</exception>
    Task<ConversationSummary> CreateAsync(string title, CancellationToken cancellationToken = default);

    /// <summary>One page of conversations, most recently updated first.</summary>
    /// <param name="query">A title search (case-insensitive substring) or null for all.</param>
    /// <param name="limit">Page size, 1 to 1000.</param>
    /// <param name="cursor">The <see cref="ConversationPage.Next"/> of the previous page, or null for the first.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <exception cref="ArgumentException"><paramref name="cursor"/> is not one this store issued.</exception>
    Task<ConversationPage> ListAsync(string? query, int limit, string? cursor, CancellationToken cancellationToken = default);

    /// <summary>A conversation with every turn, oldest first; null when there is none with that id.</summary>
    Task<Conversation?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Renames a conversation; false when there is none with that id.</summary>
    Task<bool> RenameAsync(string id, string title, CancellationToken cancellationToken = default);

    /// <summary>Deletes a conversation and its turns; false when there is none with that id.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Holds the conversation for one turn: a second caller waits until the first disposes the lock. In process for
    /// SQLite; PostgreSQL also holds an advisory lock, so instances sharing the server take turns too.
    /// </summary>
    /// <param name="id">The conversation.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The held lock; dispose it to let the next turn in.</returns>
    Task<IAsyncDisposable> LockAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Stores a question as a new <see cref="TurnStatus.Pending"/> turn, before its answer is generated.</summary>
    /// <param name="id">The conversation.</param>
    /// <param name="question">The question.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The turn's number, 1 for the first.</returns>
    /// <exception cref="ConversationStoreException">No such conversation (<see cref="ConversationStoreError.NotFound"/>), or it has <c>Conversations:MaxTurnsPerConversation</c> turns (<see cref="ConversationStoreError.LimitReached"/>).</exception>
    Task<int> AddQuestionAsync(string id, string question, CancellationToken cancellationToken = default);

    /// <summary>Stores how a turn ended: its answer, or its partial text when it was cancelled or failed.</summary>
    /// <param name="id">The conversation.</param>
    /// <param name="turn">The number <see cref="AddQuestionAsync"/> returned.</param>
    /// <param name="outcome">The status and what was answered.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    Task FinishTurnAsync(string id, int turn, TurnOutcome outcome, CancellationToken cancellationToken = default);
}

/// <summary>How far a turn got.</summary>
public enum TurnStatus
{
    /// <summary>The question is stored and its answer is being generated (or the process died while it was).</summary>
    Pending,

    /// <summary>The answer completed.</summary>
    Completed,

    /// <summary>The answer was cancelled (the client left, Ctrl+C, a timeout or a shutdown); the partial text is kept.</summary>
    Cancelled,

    /// <summary>The answer failed; the partial text and the error are kept.</summary>
    Failed,
}

/// <summary>A conversation as listed: no turns.</summary>
/// <param name="Id">Its id (32 hex digits, time-ordered).</param>
/// <param name="Title">Its title.</param>
/// <param name="Created">When it was created.</param>
/// <param name="Updated">When a turn or the title last changed.</param>
/// <param name="TurnCount">How many turns it has.</param>
public sealed record ConversationSummary(string Id, string Title, DateTimeOffset Created, DateTimeOffset Updated, int TurnCount);

/// <summary>One page of <see cref="IConversationStore.ListAsync"/>.</summary>
/// <param name="Conversations">Most recently updated first.</param>
/// <param name="Next">The cursor of the next page, or null on the last.</param>
public sealed record ConversationPage(IReadOnlyList<ConversationSummary> Conversations, string? Next);

/// <summary>A conversation with its turns, oldest first.</summary>
public sealed record Conversation(string Id, string Title, DateTimeOffset Created, DateTimeOffset Updated, IReadOnlyList<ConversationTurnRecord> Turns);

/// <summary>One stored turn.</summary>
/// <param name="Number">1 for the first turn.</param>
/// <param name="Question">The question as asked.</param>
/// <param name="Status">How far it got.</param>
/// <param name="AnswerJson">The whole answer object as <c>/api/ask</c> returned it (compact JSON), for a completed turn; else null.</param>
/// <param name="AnswerText">The answer text: the whole answer of a completed turn, or what was generated before a cancelled or failed one stopped; null while pending.</param>
/// <param name="RetrievalQuery">The query retrieval ran (a follow-up rewritten to stand alone); null when retrieval did not finish.</param>
/// <param name="Error">Why a failed answer failed; else null.</param>
/// <param name="Created">When the question was stored.</param>
/// <param name="Updated">When the turn last changed.</param>
public sealed record ConversationTurnRecord(
    int Number, string Question, TurnStatus Status, string? AnswerJson, string? AnswerText, string? RetrievalQuery, string? Error, DateTimeOffset Created, DateTimeOffset Updated);

/// <summary>How a turn ended, for <see cref="IConversationStore.FinishTurnAsync"/>.</summary>
/// <param name="Status">Completed, cancelled or failed.</param>
/// <param name="AnswerJson">The answer object for a completed turn.</param>
/// <param name="AnswerText">The whole answer text, or the text so far for a cancelled or failed turn.</param>
/// <param name="RetrievalQuery">The query retrieval ran, when it ran.</param>
/// <param name="Error">Why it failed.</param>
public sealed record TurnOutcome(TurnStatus Status, string? AnswerJson, string? AnswerText, string? RetrievalQuery, string? Error = null);

/// <summary>What kind of failure a <see cref="ConversationStoreException"/> is, so front ends can answer it (404, 409, 507, 503).</summary>
public enum ConversationStoreError
{
    /// <summary>No conversation has the id.</summary>
    NotFound,

    /// <summary>A limit of the "Conversations" settings is reached.</summary>
    LimitReached,

    /// <summary>The disk (or the server's disk) is full.</summary>
    Full,

    /// <summary>The store was written by a newer version of the assistant.</summary>
    SchemaTooNew,

    /// <summary>The store cannot be opened or reached.</summary>
    Unavailable,
}

/// <summary>The conversation store cannot do what was asked; the message says why and what to do, never the connection string.</summary>
public sealed class ConversationStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">What kind of failure it is.</param>
    /// <param name="message">Why, and what to do.</param>
    /// <param name="innerException">The provider's own exception, if any.</param>
    public ConversationStoreException(ConversationStoreError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public ConversationStoreException()
    {
    }

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public ConversationStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public ConversationStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What kind of failure it is.</summary>
    public ConversationStoreError Error { get; } = ConversationStoreError.Unavailable;
}
