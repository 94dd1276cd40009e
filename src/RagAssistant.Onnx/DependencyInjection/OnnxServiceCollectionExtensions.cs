using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Onnx.Embeddings;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the bundled ONNX embedding model behind Microsoft.Extensions.AI's abstractions.</summary>
public static class OnnxServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ArcticEmbeddingGenerator"/> as <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, with
    /// <see cref="ArcticEmbeddingGeneratorOptions"/> bound from <paramref name="section"/> (e.g. "EmbeddingModel:Bundled")
    /// and validated at start-up. The model loads when the generator is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section the options are bound from.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static IServiceCollection AddArcticEmbeddingGenerator(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<ArcticEmbeddingGeneratorOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ArcticEmbeddingGeneratorOptions>, ArcticEmbeddingGeneratorOptionsValidator>());
        services.TryAddSingleton<ArcticEmbeddingGenerator>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => sp.GetRequiredService<ArcticEmbeddingGenerator>());
        return services;
    }
}
