using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Hosting.Models;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the models folder, its manifest and the downloader.</summary>
public static class ModelsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="ModelStore"/>, <see cref="ModelDownloader"/> (with its own HttpClient) and validated <see cref="ModelsOptions"/>.</summary>
    public static IServiceCollection AddModelDownloads(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelsOptions>()
            .Bind(configuration.GetSection(ModelsOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>());
        services.AddSingleton<ModelStore>();
        services.AddHttpClient<ModelDownloader>(client =>
        {
            // Models are hundreds of MB: the downloader's own stall timeout replaces the overall one.
            client.Timeout = Timeout.InfiniteTimeSpan;
            client.DefaultRequestHeaders.UserAgent.ParseAdd("RagAssistant/1.0");
        });
        return services;
    }
}
