using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Embeddings;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the llama.cpp adapters behind Microsoft.Extensions.AI's abstractions.</summary>
public static class LlamaServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LlamaChatClient"/> as <see cref="IChatClient"/>, with <see cref="LlamaChatClientOptions"/>
    /// bound from <paramref name="section"/> (e.g. "ChatModel") and validated at start-up. Registration does no I/O:
    /// the model loads when the client is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section the options are bound from.</param>
    /// <param name="configure">Applied after binding (e.g. a model path from the command line); optional.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static IServiceCollection AddLlamaChatClient(this IServiceCollection services, IConfiguration section, Action<LlamaChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddLlamaRuntime();
        var builder = services.AddOptions<LlamaChatClientOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlamaChatClientOptions>, LlamaChatClientOptionsValidator>());
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddSingleton<LlamaChatClient>();
        services.TryAddSingleton<IChatClient>(sp => sp.GetRequiredService<LlamaChatClient>());
        return services;
    }

    /// <summary>
    /// Registers <see cref="LlamaEmbeddingGenerator"/> as <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, with
    /// <see cref="LlamaEmbeddingGeneratorOptions"/> bound from <paramref name="section"/> (e.g. "EmbeddingModel") and validated at start-up.
    /// Registration does no I/O: the model loads when the generator is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section the options are bound from.</param>
    /// <param name="configure">Applied after binding (e.g. a model path from the command line); optional.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static IServiceCollection AddLlamaEmbeddingGenerator(this IServiceCollection services, IConfiguration section, Action<LlamaEmbeddingGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddLlamaRuntime();
        var builder = services.AddOptions<LlamaEmbeddingGeneratorOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlamaEmbeddingGeneratorOptions>, LlamaEmbeddingGeneratorOptionsValidator>());
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddSingleton<LlamaEmbeddingGenerator>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => sp.GetRequiredService<LlamaEmbeddingGenerator>());
        return services;
    }

    /// <summary>
    /// Registers <see cref="LlamaRuntimeOptions"/> (backend choice), validated at start-up; bind it with
    /// <c>Configure&lt;LlamaRuntimeOptions&gt;(section)</c> (section "LlamaCpp"). Called by the chat and embedding registrations.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddLlamaRuntime(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<LlamaRuntimeOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlamaRuntimeOptions>, LlamaRuntimeOptionsValidator>());
        return services;
    }
}
