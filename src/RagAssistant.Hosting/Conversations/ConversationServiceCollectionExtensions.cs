using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Hosting.Conversations;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the conversation store and the service that answers inside conversations.</summary>
public static class ConversationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IConversationStore"/> (singleton: <see cref="SqliteConversationStore"/> or
    /// <see cref="PostgresConversationStore"/> by <c>Conversations:Provider</c>) and <see cref="ConversationService"/>,
    /// and binds <see cref="ConversationOptions"/> from the "Conversations" section with the connection string from
    /// <c>ConnectionStrings:Conversations</c>, validated at start. Does no I/O: the store is opened on first use.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddConversations(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ConversationOptions>()
            .Bind(configuration.GetSection(ConversationOptions.SectionName))
            .Configure(options => options.ConnectionString = configuration[ConversationOptions.ConnectionStringKey] ?? options.ConnectionString)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConversationOptions>, ConversationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConversationOptions>, ConversationConnectionValidator>());
        services.TryAddSingleton<IConversationStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ConversationOptions>>().Value;
            if (options.Provider == ConversationStoreProvider.Postgres)
            {
                return new PostgresConversationStore(options.ConnectionString!, options, sp.GetService<TimeProvider>());
            }

            // Beside the embedding cache: the data folder resolves as the cache folder does, from the corpus's root.
            var corpus = sp.GetRequiredService<IOptions<CorpusOptions>>().Value;
            var dataFolder = new CorpusOptions { Folder = corpus.Folder, ContentRoot = corpus.ContentRoot, CacheFolder = options.DataFolder }.ResolveCacheFolder();
            return new SqliteConversationStore(SqliteConversationStore.ResolvePath(options.ConnectionString, dataFolder), options, sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton<ConversationService>();
        return services;
    }

    /// <summary>
    /// Opens the store when the host starts (<see cref="ConversationStoreStartup"/>): the schema is created or
    /// upgraded then, and a store that cannot be used (newer schema, unreachable server) stops start-up with its message.
    /// </summary>
    /// <param name="services">The service collection (with <see cref="AddConversations"/>).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddConversationStoreStartup(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ConversationStoreStartup>());
        return services;
    }
}
