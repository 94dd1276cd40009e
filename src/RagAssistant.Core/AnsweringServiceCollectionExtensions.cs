using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Answering;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the grounded answer pipeline.</summary>
public static class AnsweringServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IAnswerPipeline"/>, <see cref="AnswerEvaluator"/>, the prompt templates and a Semantic Kernel
    /// <see cref="Kernel"/> over the container's services. Binds <see cref="AnsweringOptions"/> ("Answering") and
    /// <see cref="AssistantOptions"/> ("Assistant"), validated at start-up. The pipeline receives by constructor injection an <see cref="RagAssistant.Core.Retrieval.IPaperRetriever"/> (required);
    /// an <see cref="Microsoft.Extensions.AI.IChatClient"/> and an <see cref="IChatTokenizer"/> are optional (without a
    /// chat client answers are extracted, retrieval-only).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application configuration (root); the sections are read from it.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddRagAnswering(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AnsweringOptions>()
            .Bind(configuration.GetSection(AnsweringOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnsweringOptions>, AnsweringOptionsValidator>());
        services.AddOptions<AssistantOptions>()
            .Bind(configuration.GetSection(AssistantOptions.SectionName))
            .ValidateOnStart();

        // The kernel renders the prompt templates; the pipeline gets its collaborators by constructor injection.
        services.TryAddSingleton(sp => new Kernel(sp));
        services.TryAddSingleton(sp =>
            AnswerPromptTemplates.Load(AnswerPromptTemplates.ResolveFolder(sp.GetRequiredService<IOptions<AnsweringOptions>>().Value.PromptsFolder)));
        services.TryAddSingleton<AnswerPipeline>();
        services.TryAddSingleton<IAnswerPipeline>(sp => sp.GetRequiredService<AnswerPipeline>());
        services.TryAddSingleton<AnswerEvaluator>();
        return services;
    }
}
