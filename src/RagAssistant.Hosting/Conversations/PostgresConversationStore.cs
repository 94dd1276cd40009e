using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace RagAssistant.Hosting.Conversations;

/// <summary>
/// Conversations on a PostgreSQL server (<c>Npgsql</c>), shared by every instance that names it. The schema is created
/// or upgraded under an advisory lock, so instances starting together do it once; turns to one conversation are
/// serialised across instances by a session advisory lock held for the whole turn, and conversation creation by a
/// transaction advisory lock (the limit holds however many instances create at once).
/// </summary>
public sealed class PostgresConversationStore : SqlConversationStore
{
    // Advisory lock keys of this store: arbitrary constants no conversation key (a hash) is likely to meet.
    private const long SchemaLockKey = 0x52_41_47_5F_53_43_48_4D; // "RAG_SCHM"
    private const long CreateLockKey = 0x52_41_47_5F_43_52_45_41; // "RAG_CREA"

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates the store; nothing is opened until first use.</summary>
    /// <param name="connectionString">The server (<c>ConnectionStrings:Conversations</c>); never logged.</param>
    /// <param name="options">The limits.</param>
    /// <param name="time">The clock; null for the system clock.</param>
    /// <exception cref="ArgumentException">The connection string is not one Npgsql reads (the message never repeats it).</exception>
    public PostgresConversationStore(string connectionString, ConversationOptions options, TimeProvider? time = null)
        : base(options, time)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{ConversationOptions.ConnectionStringKey} is not a PostgreSQL connection string: give e.g. 'Host=127.0.0.1;Port=5432;Username=rag;Database=rag'.");
        }

        Location = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <inheritdoc />
    public override string Location { get; }

    /// <inheritdoc />
    protected override string SchemaLockSql => $"SELECT pg_advisory_xact_lock({SchemaLockKey})";

    /// <inheritdoc />
    protected override string CreateLockSql => $"SELECT pg_advisory_xact_lock({CreateLockKey})";

    /// <inheritdoc />
    protected override string ForUpdate => " FOR UPDATE";

    /// <inheritdoc />
    protected override string LikeOperator => "ILIKE";

    /// <inheritdoc />
    public override async Task<IAsyncDisposable> LockAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var local = await Locks.AcquireAsync(id, cancellationToken).ConfigureAwait(false);
        DbConnection? connection = null;
        try
        {
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
            connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var key = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(id)), 0);
            await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", key)).ConfigureAwait(false);
            return new ServerLock(connection, key, local);
        }
        catch (Exception ex)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            await local.DisposeAsync().ConfigureAwait(false);
            if (ex is not (OperationCanceledException or ConversationStoreException) && Translate(ex) is { } translated)
            {
                throw translated;
            }

            throw;
        }
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeAsyncCore()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override ConversationStoreException? Translate(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } e => new(
            ConversationStoreError.Full,
            $"The conversation store ({Location}) cannot be written: the server's disk is full. Free space on the database server; nothing stored before was lost.",
            e),
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } e => new(
            ConversationStoreError.Unavailable,
            $"The conversation store ({Location}) refused the credentials of {ConversationOptions.ConnectionStringKey}: {e.MessageText}.",
            e),
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } e => new(
            ConversationStoreError.Unavailable,
            $"The conversation store ({Location}) has no such database: {e.MessageText}. Create it (createdb), or name another in {ConversationOptions.ConnectionStringKey}.",
            e),
        PostgresException e => new(
            ConversationStoreError.Unavailable,
            $"The conversation store ({Location}) failed: {e.MessageText} (SQLSTATE {e.SqlState}).",
            e),
        NpgsqlException or TimeoutException => new(
            ConversationStoreError.Unavailable,
            $"The conversation store ({Location}) cannot be reached: {exception.Message}. Check that the server runs and accepts connections.",
            exception),
        _ => null,
    };

    private sealed class ServerLock(DbConnection connection, long key, IAsyncDisposable local) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            try
            {
                await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", key)).ConfigureAwait(false);
            }
            catch (DbException)
            {
                // The connection is gone, and the server released the lock with its session.
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
