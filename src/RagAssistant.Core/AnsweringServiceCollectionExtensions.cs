using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Evaluation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the grounded answer pipeline.</summary>
public static class AnsweringServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IAnswerPipeline"/> (composed by <see cref="AnswerPipelineFactory"/>), <see cref="AnswerEvaluator"/> and the prompt templates. Binds <see cref="AnsweringOptions"/> ("Answering") and
    /// <see cref="AssistantOptions"/> ("Assistant"), validated at start-up. The pipeline receives by constructor injection an <see cref="RagAssistant.Core.Retrieval.IPaperRetriever"/> (required);
    /// an <see cref="Microsoft.Extensions.AI.IChatClient"/> and a keyed <see cref="ITokenizer"/> under <see cref="ITokenizer.ChatKey"/> are optional (without a
    /// chat client answers are extracted, retrieval-only). Every <see cref="IFunctionInvocationFilter"/> registered
    /// sees the pipeline's Semantic Kernel steps (<see cref="AnswerSteps"/>: rewrite_follow_up, search_papers, answer,
    /// check_claim), the answer telemetry filter (<see cref="AnswerTelemetryServiceCollectionExtensions.AddRagAnswerTelemetry"/>) among them.
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

        services.AddOptions<EvidenceOptions>()
            .Bind(configuration.GetSection(EvidenceOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EvidenceOptions>, EvidenceOptionsValidator>());
        services.TryAddSingleton<IEvidenceChecker>(sp => new EvidenceChecker(
            sp.GetRequiredService<IOptions<EvidenceOptions>>(),
            sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetService<ISourceSentenceVectors>()));

        services.TryAddSingleton(sp =>
            AnswerPromptTemplates.Load(AnswerPromptTemplates.ResolveFolder(sp.GetRequiredService<IOptions<AnsweringOptions>>().Value.PromptsFolder)));

        // The pipeline composes its own Semantic Kernel from these collaborators; filters registered here see its steps.
        services.TryAddSingleton<AnswerPipelineFactory>();
        services.TryAddSingleton(sp => sp.GetRequiredService<AnswerPipelineFactory>().Create(sp.GetService<IChatClient>(), sp.GetKeyedService<ITokenizer>(ITokenizer.ChatKey)));
        services.TryAddSingleton<IAnswerPipeline>(sp => sp.GetRequiredService<AnswerPipeline>());
        services.TryAddSingleton<AnswerEvaluator>();
        services.AddRagAnswerTelemetry();
        return services;
    }
}
