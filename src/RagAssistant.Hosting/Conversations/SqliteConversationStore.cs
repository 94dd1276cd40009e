using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace RagAssistant.Hosting.Conversations;

/// <summary>
/// Conversations in an SQLite file (<c>Microsoft.Data.Sqlite</c>), created with its folder on first use. Write-ahead
/// logging with full synchronisation: a committed turn survives a killed process or a power cut, and the file opens
/// cleanly afterwards. Turns to one conversation are serialised in process (one process owns the file; a second
/// process on the same file takes turns at SQLite's write lock).
/// </summary>
public sealed class SqliteConversationStore : SqlConversationStore
{
    private readonly string _connectionString;

    /// <summary>Creates the store over a file; nothing is opened until first use.</summary>
    /// <param name="databasePath">The SQLite file, absolute.</param>
    /// <param name="options">The limits.</param>
    /// <param name="time">The clock; null for the system clock.</param>
    public SqliteConversationStore(string databasePath, ConversationOptions options, TimeProvider? time = null)
        : base(options, time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,

            // Seconds a statement waits for another connection's write lock (SQLITE_BUSY is retried until then).
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The SQLite file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public override string Location => DatabasePath;

    /// <summary>
    /// The file a configuration names: <c>Data Source</c> of <c>ConnectionStrings:Conversations</c> (relative to the
    /// working directory) when set, else <c>conversations.db</c> in <paramref name="dataFolder"/>.
    /// </summary>
    /// <param name="connectionString">The configured connection string, or null.</param>
    /// <param name="dataFolder">The resolved data folder.</param>
    /// <returns>The absolute file path.</returns>
    /// <exception cref="ArgumentException">The connection string is not an SQLite one or names no file (the message never repeats it).</exception>
    public static string ResolvePath(string? connectionString, string dataFolder)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return Path.GetFullPath(Path.Combine(dataFolder, "conversations.db"));
        }

        string? source;
        try
        {
            source = new SqliteConnectionStringBuilder(connectionString).DataSource;
        }
        catch (ArgumentException)
        {
            source = null;
        }

        return string.IsNullOrWhiteSpace(source) || source == ":memory:"
            ? throw new ArgumentException(
                $"{ConversationOptions.ConnectionStringKey} is not an SQLite connection string with a file: give 'Data Source=/path/conversations.db', or set Conversations:Provider=Postgres for a server.")
            : Path.GetFullPath(source);
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    protected override ConversationStoreException? Translate(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 13 } e => new(
            ConversationStoreError.Full,
            $"The conversation store {DatabasePath} cannot be written: the disk is full. Free space on that disk, or move the file with {ConversationOptions.ConnectionStringKey}; nothing stored before was lost.",
            e),
        SqliteException { SqliteErrorCode: 26 or 11 } e => new(
            ConversationStoreError.Unavailable,
            $"The conversation store {DatabasePath} is not a readable SQLite database ({e.Message}). Move it aside to start an empty store, or point {ConversationOptions.ConnectionStringKey} at another file.",
            e),
        SqliteException e => new(
            ConversationStoreError.Unavailable,
            $"The conversation store {DatabasePath} cannot be used: {e.Message.TrimEnd('.')}. Check that the folder exists and is writable.",
            e),
        IOException e when IsDiskFull(e) => new(
            ConversationStoreError.Full,
            $"The conversation store {DatabasePath} cannot be written: the disk is full. Free space on that disk, or move the file with {ConversationOptions.ConnectionStringKey}.",
            e),
        IOException or UnauthorizedAccessException => new(
            ConversationStoreError.Unavailable,
            $"The conversation store {DatabasePath} cannot be created: {exception.Message.TrimEnd('.')}. Check that its folder is writable, or move it with {ConversationOptions.ConnectionStringKey}.",
            exception),
        _ => null,
    };

    // ENOSPC (28) on Unix, ERROR_DISK_FULL (112) / ERROR_HANDLE_DISK_FULL (39) on Windows.
    private static bool IsDiskFull(IOException exception) => (exception.HResult & 0xFFFF) is 28 or 112 or 39;
}
