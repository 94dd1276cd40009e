using Npgsql;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Testing.Databases;

namespace RagAssistant.Hosting.Tests.Conversations;

/// <summary>
/// The store suite on a real PostgreSQL server (a throwaway cluster on loopback, a fresh database per test), and what
/// only a shared server does: instances that serialise turns and see each other's conversations.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PostgresConversationStoreTests : ConversationStoreContract
{
    private string _connectionString = null!;

    protected override async Task CreateDatabaseAsync() =>
        _connectionString = await (await PostgresCluster.RequireSharedAsync()).CreateDatabaseAsync();

    protected override SqlConversationStore CreateStore(ConversationOptions options) => new PostgresConversationStore(_connectionString, options);

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task Two_instances_take_turns_on_one_conversation()
    {
        var other = Open(new ConversationOptions());
        var id = (await Store.CreateAsync("shared", Ct)).Id;

        var first = await Store.LockAsync(id, Ct);
        var second = other.LockAsync(id, Ct);
        await Task.Delay(300, Ct);
        Assert.False(second.IsCompleted);
        await first.DisposeAsync();
        await (await second.WaitAsync(TimeSpan.FromSeconds(10), Ct)).DisposeAsync();
        Assert.Equal("shared", (await other.GetAsync(id, Ct))!.Title);
    }

    [Fact]
    public async Task Instances_starting_together_create_the_schema_once()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => Open(new ConversationOptions())).ToList();

        await Task.WhenAll(stores.Select(s => s.InitializeAsync(Ct)));

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM conversation_schema", connection);
        Assert.Equal(1L, await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_clear_error_without_the_password()
    {
        await using var store = new PostgresConversationStore("Host=127.0.0.1;Port=1;Username=rag;Password=s3cret-pw;Database=rag;Timeout=3", new ConversationOptions());

        var error = await Assert.ThrowsAsync<ConversationStoreException>(() => store.InitializeAsync(Ct));

        Assert.Equal(ConversationStoreError.Unavailable, error.Error);
        Assert.Contains("PostgreSQL 127.0.0.1:1/rag", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.Message, StringComparison.Ordinal);
    }
}
