using System.Data.Common;
using System.Globalization;
using System.Text;
using RagAssistant.Hosting.Contract;

namespace RagAssistant.Hosting.Conversations;

/// <summary>
/// The one implementation of <see cref="IConversationStore"/> over ADO.NET: the same SQL, schema and migrations for
/// every provider. A provider supplies its connections, how it serialises writers across processes, and how its
/// errors read (<see cref="SqliteConversationStore"/>, <see cref="PostgresConversationStore"/>). Every change is one
/// transaction, so a process killed at any point leaves every earlier turn intact.
/// </summary>
public abstract class SqlConversationStore : IConversationStore, IAsyncDisposable
{
    /// <summary>The schema version this build writes and reads; a store with a higher one is refused.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The migration to each version, index 0 to version 1: statements run in one transaction with the version row.</summary>
    private static readonly string[][] Migrations =
    [
        [
            """
            CREATE TABLE conversations (
                id TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                created BIGINT NOT NULL,
                updated BIGINT NOT NULL,
                turn_count INTEGER NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX conversations_by_updated ON conversations (updated DESC, id DESC)",
            """
            CREATE TABLE conversation_turns (
                conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                question TEXT NOT NULL,
                status TEXT NOT NULL,
                answer_json TEXT NULL,
                answer_text TEXT NULL,
                retrieval_query TEXT NULL,
                error TEXT NULL,
                created BIGINT NOT NULL,
                updated BIGINT NOT NULL,
                PRIMARY KEY (conversation_id, number))
            """,
        ],
    ];

    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly TimeProvider _time;
    private volatile bool _schemaReady;

    /// <summary>Creates the store.</summary>
    /// <param name="options">The limits (<c>Conversations:MaxConversations</c>, <c>MaxTurnsPerConversation</c>).</param>
    /// <param name="time">The clock for created and updated times; null for the system clock.</param>
    protected SqlConversationStore(ConversationOptions options, TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The limits.</summary>
    protected ConversationOptions Options { get; }

    /// <summary>Where the store is, for messages: a file path, or host, port and database; never credentials.</summary>
    public abstract string Location { get; }

    /// <summary>The in-process lock of each conversation.</summary>
    private protected ConversationLocks Locks { get; } = new();

    /// <summary>SQL that makes the schema transaction exclusive across processes, run first in it; empty when the transaction already is.</summary>
    protected virtual string SchemaLockSql => string.Empty;

    /// <summary>SQL that serialises conversation creation across processes (the count checked against the limit), run first in its transaction; empty when not needed.</summary>
    protected virtual string CreateLockSql => string.Empty;

    /// <summary>The clause that locks the conversation row read before a turn is added (<c>FOR UPDATE</c>), empty when the transaction already holds the database.</summary>
    protected virtual string ForUpdate => string.Empty;

    /// <summary>The case-insensitive pattern operator for the title search.</summary>
    protected virtual string LikeOperator => "LIKE";

    /// <summary>Opens a connection to the store.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>The provider's own failure as a <see cref="ConversationStoreException"/> that says what to do; null for failures it does not know.</summary>
    /// <param name="exception">What the provider threw.</param>
    protected abstract ConversationStoreException? Translate(Exception exception);

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await GuardAsync(MigrateAsync, cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <inheritdoc />
    public Task<ConversationSummary> CreateAsync(string title, CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            if (CreateLockSql.Length > 0)
            {
                await ExecuteAsync(connection, transaction, CreateLockSql, ct).ConfigureAwait(false);
            }

            var count = Convert.ToInt64(await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM conversations", ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
            if (count >= Options.MaxConversations)
            {
                throw new ConversationStoreException(
                    ConversationStoreError.LimitReached,
                    $"There are {count} conversations; the limit is {Options.MaxConversations} ({ConversationOptions.SectionName}:{nameof(ConversationOptions.MaxConversations)}). Delete old conversations (DELETE /api/conversations/{{id}}) or raise the limit.");
            }

            var now = _time.GetUtcNow();
            var id = Guid.CreateVersion7(now).ToString("N");
            await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO conversations (id, title, created, updated, turn_count) VALUES (@id, @title, @now, @now, 0)",
                ct,
                ("id", id),
                ("title", title),
                ("now", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            var stamp = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
            return new ConversationSummary(id, title, stamp, stamp, 0);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<ConversationPage> ListAsync(string? query, int limit, string? cursor, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        var after = cursor is null ? default((long Updated, string Id)?) : ParseCursor(cursor);
        return RunAsync(async (connection, ct) =>
        {
            var sql = new StringBuilder("SELECT id, title, created, updated, turn_count FROM conversations WHERE 1 = 1");
            var parameters = new List<(string, object?)> { ("limit", limit + 1) };
            if (!string.IsNullOrWhiteSpace(query))
            {
                sql.Append(CultureInfo.InvariantCulture, $" AND title {LikeOperator} @pattern ESCAPE '\\'");
                parameters.Add(("pattern", "%" + EscapeLike(query.Trim()) + "%"));
            }

            if (after is { } position)
            {
                sql.Append(" AND (updated < @after_updated OR (updated = @after_updated AND id < @after_id))");
                parameters.Add(("after_updated", position.Updated));
                parameters.Add(("after_id", position.Id));
            }

            sql.Append(" ORDER BY updated DESC, id DESC LIMIT @limit");
            await using var command = Command(connection, null, sql.ToString(), [.. parameters]);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var page = new List<ConversationSummary>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                page.Add(new ConversationSummary(
                    reader.GetString(0), reader.GetString(1), Time(reader.GetInt64(2)), Time(reader.GetInt64(3)), reader.GetInt32(4)));
            }

            if (page.Count <= limit)
            {
                return new ConversationPage(page, null);
            }

            var last = page[limit - 1];
            return new ConversationPage(page[..limit], string.Create(CultureInfo.InvariantCulture, $"{last.Updated.ToUnixTimeMilliseconds()}_{last.Id}"));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Conversation?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            ConversationSummary? summary;
            await using (var command = Command(connection, null, "SELECT id, title, created, updated, turn_count FROM conversations WHERE id = @id", ("id", id)))
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                summary = await reader.ReadAsync(ct).ConfigureAwait(false)
                    ? new ConversationSummary(reader.GetString(0), reader.GetString(1), Time(reader.GetInt64(2)), Time(reader.GetInt64(3)), reader.GetInt32(4))
                    : null;
            }

            if (summary is null)
            {
                return null;
            }

            var turns = new List<ConversationTurnRecord>();
            await using (var command = Command(
                connection,
                null,
                "SELECT number, question, status, answer_json, answer_text, retrieval_query, error, created, updated FROM conversation_turns WHERE conversation_id = @id ORDER BY number",
                ("id", id)))
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    turns.Add(new ConversationTurnRecord(
                        reader.GetInt32(0),
                        reader.GetString(1),
                        Enum.Parse<TurnStatus>(reader.GetString(2), ignoreCase: true),
                        Nullable(reader, 3),
                        Nullable(reader, 4),
                        Nullable(reader, 5),
                        Nullable(reader, 6),
                        Time(reader.GetInt64(7)),
                        Time(reader.GetInt64(8))));
                }
            }

            return new Conversation(summary.Id, summary.Title, summary.Created, summary.Updated, turns);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<bool> RenameAsync(string id, string title, CancellationToken cancellationToken = default) =>
        RunAsync(
            async (connection, ct) => await ExecuteAsync(
                connection,
                null,
                "UPDATE conversations SET title = @title, updated = @now WHERE id = @id",
                ct,
                ("id", id),
                ("title", title),
                ("now", _time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false) > 0,
            cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "DELETE FROM conversation_turns WHERE conversation_id = @id", ct, ("id", id)).ConfigureAwait(false);
            var deleted = await ExecuteAsync(connection, transaction, "DELETE FROM conversations WHERE id = @id", ct, ("id", id)).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return deleted > 0;
        }, cancellationToken);

    /// <inheritdoc />
    public virtual Task<IAsyncDisposable> LockAsync(string id, CancellationToken cancellationToken = default) => Locks.AcquireAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<int> AddQuestionAsync(string id, string question, CancellationToken cancellationToken = default) =>
        RunAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            var count = await ScalarAsync(connection, transaction, "SELECT turn_count FROM conversations WHERE id = @id" + ForUpdate, ct, ("id", id)).ConfigureAwait(false);
            if (count is null or DBNull)
            {
                throw NotFound(id);
            }

            var turns = Convert.ToInt32(count, CultureInfo.InvariantCulture);
            if (turns >= Options.MaxTurnsPerConversation)
            {
                throw new ConversationStoreException(
                    ConversationStoreError.LimitReached,
                    $"The conversation has {turns} turns; the limit is {Options.MaxTurnsPerConversation} ({ConversationOptions.SectionName}:{nameof(ConversationOptions.MaxTurnsPerConversation)}). Start a new conversation.");
            }

            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO conversation_turns (conversation_id, number, question, status, created, updated) VALUES (@id, @number, @question, @status, @now, @now)",
                ct,
                ("id", id),
                ("number", turns + 1),
                ("question", question),
                ("status", StatusName(TurnStatus.Pending)),
                ("now", now)).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "UPDATE conversations SET turn_count = @count, updated = @now WHERE id = @id", ct, ("id", id), ("count", turns + 1), ("now", now)).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return turns + 1;
        }, cancellationToken);

    /// <inheritdoc />
    public Task FinishTurnAsync(string id, int turn, TurnOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return RunAsync(async (connection, ct) =>
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await ExecuteAsync(
                connection,
                transaction,
                "UPDATE conversation_turns SET status = @status, answer_json = @answer, answer_text = @text, retrieval_query = @query, error = @error, updated = @now WHERE conversation_id = @id AND number = @number",
                ct,
                ("id", id),
                ("number", turn),
                ("status", StatusName(outcome.Status)),
                ("answer", outcome.AnswerJson),
                ("text", outcome.AnswerText),
                ("query", outcome.RetrievalQuery),
                ("error", outcome.Error),
                ("now", now)).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "UPDATE conversations SET updated = @now WHERE id = @id", ct, ("id", id), ("now", now)).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        _schemaGate.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the provider's own resources (a connection pool).</summary>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

    /// <summary>The "no such conversation" failure; each front end adds how it lists them (<c>GET /api/conversations</c>, the chat's <c>/history</c>).</summary>
    /// <param name="id">The id asked for.</param>
    public static ConversationStoreException NotFound(string id) =>
        new(ConversationStoreError.NotFound, $"No conversation has the id '{id}'.");

    /// <summary>Runs SQL that returns nothing.</summary>
    protected static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs SQL that returns one value (null when no row).</summary>
    protected static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    // Opens a connection (with the schema in place) and runs one unit of work; provider failures become messages.
    private async Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await GuardAsync(work, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GuardAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (ConversationStoreException or OperationCanceledException or ArgumentException) && Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    private async Task<bool> MigrateAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (SchemaLockSql.Length > 0)
        {
            await ExecuteAsync(connection, transaction, SchemaLockSql, cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS conversation_schema (version INTEGER NOT NULL)", cancellationToken).ConfigureAwait(false);
        var stored = await ScalarAsync(connection, transaction, "SELECT MAX(version) FROM conversation_schema", cancellationToken).ConfigureAwait(false);
        var version = stored is null or DBNull ? 0 : Convert.ToInt32(stored, CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new ConversationStoreException(
                ConversationStoreError.SchemaTooNew,
                $"The conversation store {Location} has schema version {version}, written by a newer RagAssistant; this one reads version {SchemaVersion} at most. "
                + $"Run the newer version, or point {ConversationOptions.ConnectionStringKey} at another store. Nothing was changed.");
        }

        for (var next = version + 1; next <= SchemaVersion; next++)
        {
            foreach (var statement in Migrations[next - 1])
            {
                await ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
            }
        }

        if (version < SchemaVersion)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM conversation_schema", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "INSERT INTO conversation_schema (version) VALUES (@version)", cancellationToken, ("version", SchemaVersion)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static (long Updated, string Id) ParseCursor(string cursor)
    {
        var parts = cursor.Split('_', 2);
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var updated) || parts[1].Length == 0)
        {
            throw new ArgumentException($"'{cursor}' is not a page cursor: send the \"next\" value of the previous page unchanged, or leave cursor out for the first page.", nameof(cursor));
        }

        return (updated, parts[1]);
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static string StatusName(TurnStatus status) => status.ToString().ToLowerInvariant();

    private static string? Nullable(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
