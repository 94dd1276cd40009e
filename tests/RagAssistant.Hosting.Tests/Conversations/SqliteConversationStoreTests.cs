using Microsoft.Data.Sqlite;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Hosting.Tests.Conversations;

/// <summary>The store suite on an SQLite file in a temporary folder, and what only a file can do: a full disk, a folder created on first use.</summary>
public sealed class SqliteConversationStoreTests : ConversationStoreContract, IDisposable
{
    private readonly TempFolder _folder = new();

    private string DatabasePath => _folder.File(Path.Combine("data", "conversations.db"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    protected override Task CreateDatabaseAsync() => Task.CompletedTask;

    protected override SqlConversationStore CreateStore(ConversationOptions options) => new SqliteConversationStore(DatabasePath, options);

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task The_file_and_its_folder_are_created_on_first_use_in_write_ahead_logging()
    {
        Assert.False(Directory.Exists(Path.GetDirectoryName(DatabasePath)));

        await Store.CreateAsync("t", Ct);

        Assert.True(File.Exists(DatabasePath));
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task A_full_disk_is_a_clear_error_and_loses_nothing_stored_before()
    {
        var id = (await Store.CreateAsync("before the disk filled", Ct)).Id;

        // /dev/full fails every write with ENOSPC: a store whose file is on it is a store on a full disk.
        var full = _folder.File("full.db");
        File.CreateSymbolicLink(full, "/dev/full");
        await using var store = new SqliteConversationStore(full, new ConversationOptions());

        var error = await Assert.ThrowsAsync<ConversationStoreException>(() => store.CreateAsync("t", Ct));

        Assert.Equal(ConversationStoreError.Full, error.Error);
        Assert.Contains("the disk is full", error.Message, StringComparison.Ordinal);
        Assert.Contains(full, error.Message, StringComparison.Ordinal);
        Assert.Equal("before the disk filled", (await Store.GetAsync(id, Ct))!.Title);
    }

    [Fact]
    public async Task A_file_that_is_no_database_is_refused_with_what_to_do()
    {
        var junk = _folder.Write("junk.db", new string('x', 4096));
        await using var store = new SqliteConversationStore(junk, new ConversationOptions());

        var error = await Assert.ThrowsAsync<ConversationStoreException>(() => store.InitializeAsync(Ct));

        Assert.Equal(ConversationStoreError.Unavailable, error.Error);
        Assert.Contains("not a readable SQLite database", error.Message, StringComparison.Ordinal);
    }
}
