using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.Startup;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the models folder, its manifest and the downloader.</summary>
public static class ModelsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ModelStore"/>, <see cref="ModelDownloader"/> (with its own HttpClient), validated
    /// <see cref="ModelsOptions"/> (section "Models"), and <see cref="DownloadCommandHint"/> as the
    /// <see cref="IModelDownloadHint"/> unless the front end registered its own. Does no I/O; calling it again does nothing.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration (the "Models" section).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddModelDownloads(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(ModelStore)))
        {
            // Already added (by AddRagAssistant and a front end): a second typed client would configure it twice.
            return services;
        }

        services.AddOptions<ModelsOptions>()
            .Bind(configuration.GetSection(ModelsOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>());
        services.AddSingleton<ModelStore>();
        services.TryAddSingleton<IModelDownloadHint, DownloadCommandHint>();
        services.AddHttpClient<ModelDownloader>(client =>
        {
            // Models are hundreds of MB: the downloader's own stall timeout replaces the overall one.
            client.Timeout = Timeout.InfiniteTimeSpan;
            client.DefaultRequestHeaders.UserAgent.ParseAdd("RagAssistant/1.0");
        });
        return services;
    }
}
