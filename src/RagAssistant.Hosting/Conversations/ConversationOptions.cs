using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting.Conversations;

/// <summary>Where conversations are kept: an SQLite file (one machine) or a PostgreSQL server (several instances).</summary>
public enum ConversationStoreProvider
{
    /// <summary>An SQLite file, created on first use (the default): nothing to install.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server named by <c>ConnectionStrings:Conversations</c>, shared by every instance.</summary>
    Postgres,
}

/// <summary>
/// The conversation store and its limits, bound from the "Conversations" section; the server or file is
/// <c>ConnectionStrings:Conversations</c> (never logged, never in <c>/api/status</c>).
/// </summary>
public sealed class ConversationOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Conversations";

    /// <summary>Configuration key of the connection string: <c>ConnectionStrings:Conversations</c> (environment <c>ConnectionStrings__Conversations</c>).</summary>
    public const string ConnectionStringKey = "ConnectionStrings:Conversations";

    /// <summary>Which store keeps conversations: <c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public ConversationStoreProvider Provider { get; set; } = ConversationStoreProvider.Sqlite;

    /// <summary>
    /// The connection string: for PostgreSQL the server (required, e.g. <c>Host=127.0.0.1;Port=5432;Username=rag;Database=rag</c>);
    /// for SQLite optional (<c>Data Source=/var/lib/ragassistant/conversations.db</c>), by default <c>conversations.db</c> in <see cref="DataFolder"/>.
    /// Bound from <c>ConnectionStrings:Conversations</c>, not from this section.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Folder of the SQLite file when no connection string names one (created on first use). A relative path sits
    /// beside the embedding cache (<c>Corpus:CacheFolder</c>): under the root the corpus folder was found in.
    /// </summary>
    [Required]
    public string DataFolder { get; set; } = ".data";

    /// <summary>Most conversations the store keeps; creating one more is refused with a message that says to delete old ones.</summary>
    [Range(1, 10_000_000)]
    public int MaxConversations { get; set; } = 100_000;

    /// <summary>Most turns (question and answer) one conversation keeps; the next question is refused with a message that says to start a new one.</summary>
    [Range(1, 100_000)]
    public int MaxTurnsPerConversation { get; set; } = 1_000;

    /// <summary>Longest title, in characters; a title made from a longer first question is cut, a longer rename refused.</summary>
    [Range(8, 1_000)]
    public int MaxTitleChars { get; set; } = 200;
}

/// <summary>Validates <see cref="ConversationOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class ConversationOptionsValidator : IValidateOptions<ConversationOptions>;

/// <summary>
/// PostgreSQL needs <c>ConnectionStrings:Conversations</c>, and a connection string must be one the provider reads; the
/// messages name the setting, never the value.
/// </summary>
internal sealed class ConversationConnectionValidator : IValidateOptions<ConversationOptions>
{
    public ValidateOptionsResult Validate(string? name, ConversationOptions options)
    {
        if (options.Provider == ConversationStoreProvider.Postgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                $"{ConversationOptions.SectionName}:{nameof(ConversationOptions.Provider)} is Postgres but {ConversationOptions.ConnectionStringKey} is not set: give the server, e.g. "
                + "ConnectionStrings__Conversations='Host=127.0.0.1;Port=5432;Username=rag;Database=rag'.");
        }

        try
        {
            if (options.Provider == ConversationStoreProvider.Postgres)
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            else
            {
                _ = SqliteConversationStore.ResolvePath(options.ConnectionString, ".");
            }
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(options.Provider == ConversationStoreProvider.Postgres
                ? $"{ConversationOptions.ConnectionStringKey} is not a PostgreSQL connection string: give e.g. 'Host=127.0.0.1;Port=5432;Username=rag;Database=rag'."
                : ex.Message);
        }

        return ValidateOptionsResult.Success;
    }
}
