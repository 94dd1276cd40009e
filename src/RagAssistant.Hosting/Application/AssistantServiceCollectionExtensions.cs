using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Hosting.Application;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the application service every front end answers through.</summary>
public static class AssistantServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="AssistantService"/> (singleton) and binds <see cref="AskOptions"/> from the "Ask" section,
    /// validated at start: the limits every question is checked against, once. Does no I/O. Needs an <see cref="RagAssistant.Core.Answering.IAnswerPipeline"/> registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration (the "Ask" section).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddAssistantService(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AskOptions>()
            .Bind(configuration.GetSection(AskOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AskOptions>, AskOptionsValidator>());
        services.TryAddSingleton<AssistantService>();
        return services;
    }
}
