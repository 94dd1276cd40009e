using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting.Conversations;

/// <summary>Creates or upgrades the conversation store's schema as the host starts, and logs where it is (never the connection string).</summary>
internal sealed partial class ConversationStoreStartup(IConversationStore store, IOptions<ConversationOptions> options, ILogger<ConversationStoreStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        LogOpened(logger, options.Value.Provider, store is SqlConversationStore sql ? sql.Location : store.GetType().Name);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversations are kept in {Provider} store {Location}")]
    private static partial void LogOpened(ILogger logger, ConversationStoreProvider provider, string location);
}
