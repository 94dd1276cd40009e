using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting.OpenAICompatible;
using RagAssistant.Hosting.Startup;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the start-up both front ends share.</summary>
public static class AssistantStartupServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="AssistantStartup"/> with its steps (<see cref="ModelLoader"/>, <see cref="ModelReadinessPublisher"/>,
    /// <see cref="CorpusIndexBuild"/>), <see cref="DownloadedChatModelSwitch"/> and <see cref="AssistantReadiness"/> (singletons), the model downloads
    /// (<c>AddModelDownloads</c>), <see cref="LocalModelFiles"/> (probed when first resolved) as <see cref="LocalModelFilesOptions"/> validated at start (a model file named on the
    /// command line must exist), and <see cref="DownloadCommandHint"/> as the <see cref="IModelDownloadHint"/> unless
    /// the front end registered its own (through <c>AddModelDownloads</c>). Does no I/O; <c>AddRagAssistant</c> calls it. The start-up runs when
    /// the front end awaits it, or in the background with <see cref="AddAssistantStartupService"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration (model paths, providers, command-line overrides).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddAssistantStartup(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddModelDownloads(configuration);
        services.TryAddSingleton(sp => new LocalModelFiles(sp.GetRequiredService<IConfiguration>()));
        services.AddOptions<LocalModelFilesOptions>()
            .Configure<LocalModelFiles>((options, files) => (options.Chat, options.Embedding) = (files.Chat, files.Embedding))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LocalModelFilesOptions>, LocalModelFilesOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AssistantReadiness>();

        // The start-up's steps, one job each. A model client or the index is created when a step runs (creating it
        // loads its file), not when the step is created: the service serves /health/live while the models load.
        services.TryAddSingleton(sp => new ModelLoader(
            () => sp.GetService<IChatClient>(),
            () => sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetRequiredService<LocalModelFiles>(),
            sp.GetRequiredService<IModelDownloadHint>(),
            sp.GetRequiredService<ILogger<ModelLoader>>()));
        services.TryAddSingleton<ChatModelStateDeriver>();
        services.TryAddSingleton<ModelDownloadOffers>();
        services.TryAddSingleton<StartupNotices>();
        services.TryAddSingleton(sp => new AssistantRuntimeInfoFactory(
            sp.GetRequiredService<IConfiguration>(),
            sp.GetRequiredService<LocalModelFiles>(),
            sp.GetRequiredService<IOptions<CorpusOptions>>(),
            sp.GetRequiredService<IOptionsMonitor<OpenAICompatibleModelOptions>>(),
            () => sp.GetKeyedService<ITokenizer>(ITokenizer.ChatKey)));
        services.TryAddSingleton<ModelReadinessPublisher>();
        services.TryAddSingleton(sp => new CorpusIndexBuild(
            () => sp.GetService<ICorpusIndex>(),
            sp.GetRequiredService<AssistantReadiness>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CorpusIndexBuild>>()));
        services.TryAddSingleton<AssistantStartup>();
        services.TryAddSingleton<DownloadedChatModelSwitch>();
        return services;
    }

    /// <summary>
    /// Runs the start-up in the background of a long-running host (<see cref="AssistantStartupService"/>): the host
    /// serves at once and reports not ready until the models are loaded and the index is built. Adds
    /// <see cref="ChatModelDownload"/>, which fetches the offered chat model in the background when asked to.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddAssistantStartupService(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHostedService<AssistantStartupService>();
        services.TryAddSingleton<ChatModelDownload>();
        return services;
    }
}
