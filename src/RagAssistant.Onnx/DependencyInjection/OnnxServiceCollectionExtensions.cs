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
    /// <summary>
    /// Registers <see cref="MiniLmEmbeddingGenerator"/> (all-MiniLM-L6-v2, the second dense retriever) as a keyed
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> under <paramref name="serviceKey"/>. It runs with the
    /// <see cref="ArcticEmbeddingGeneratorOptions"/> that <see cref="AddArcticEmbeddingGenerator"/> binds (threads,
    /// batch size); alone, with their defaults. The model loads when the generator is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key the generator is registered under.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="serviceKey"/> is null.</exception>
    public static IServiceCollection AddMiniLmEmbeddingGenerator(this IServiceCollection services, object serviceKey)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        services.AddOptions<ArcticEmbeddingGeneratorOptions>();
        services.TryAddSingleton<MiniLmEmbeddingGenerator>();
        services.TryAddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(serviceKey, (sp, _) => sp.GetRequiredService<MiniLmEmbeddingGenerator>());
        return services;
    }
}
