using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Answering;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the answer steps' telemetry filter.</summary>
public static class AnswerTelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="AnswerTelemetryFilter"/> as an <see cref="IFunctionInvocationFilter"/> (once, however often this
    /// is called), so the answer pipeline's retrieval, generation and claim-check steps record their metrics on the
    /// meter <see cref="AnswerTelemetryFilter.MeterName"/>, through the container's <see cref="IMeterFactory"/> when
    /// there is one. Registers only; nothing is created until the pipeline is.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddRagAnswerTelemetry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFunctionInvocationFilter, AnswerTelemetryFilter>(
            sp => new AnswerTelemetryFilter(sp.GetService<IMeterFactory>())));
        return services;
    }
}
