using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Embeddings;
using RagAssistant.LlamaCpp.Gguf;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the llama.cpp adapters behind Microsoft.Extensions.AI's abstractions.</summary>
public static class LlamaServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LlamaChatClient"/> (singleton) and a Microsoft.Extensions.AI <see cref="IChatClient"/>
    /// pipeline over it (<c>AddChatClient</c>, or <c>AddKeyedChatClient</c> with <paramref name="serviceKey"/>), with
    /// <see cref="LlamaChatClientOptions"/> bound from <paramref name="section"/> (e.g. "ChatModel") and their settings
    /// validated at start-up. Registration does no I/O: the model loads when the client is first resolved, and a
    /// model file that does not exist fails there (<see cref="ModelFileException"/>, naming the file), so a
    /// composition can start without a model that is not downloaded yet and decide itself whether to resolve it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section the options are bound from.</param>
    /// <param name="configure">Applied after binding (e.g. a model path from the command line); optional.</param>
    /// <param name="serviceKey">Registers the pipeline as a keyed <see cref="IChatClient"/> under this key; null = the unkeyed one.</param>
    /// <returns>The pipeline's builder, to add steps such as <c>UseLogging()</c> or <c>UseOpenTelemetry()</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static ChatClientBuilder AddLlamaChatClient(this IServiceCollection services, IConfiguration section, Action<LlamaChatClientOptions>? configure = null, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddLlamaRuntime();
        var options = services.AddOptions<LlamaChatClientOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlamaChatClientOptions>, LlamaChatClientOptionsValidator>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<LlamaChatClient>();
        return serviceKey is null
            ? services.AddChatClient(sp => sp.GetRequiredService<LlamaChatClient>())
            : services.AddKeyedChatClient(serviceKey, sp => sp.GetRequiredService<LlamaChatClient>());
    }

    /// <summary>
    /// Registers <see cref="LlamaEmbeddingGenerator"/> (singleton) and a Microsoft.Extensions.AI
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> pipeline over it (<c>AddEmbeddingGenerator</c>, or
    /// <c>AddKeyedEmbeddingGenerator</c> with <paramref name="serviceKey"/>), with
    /// <see cref="LlamaEmbeddingGeneratorOptions"/> bound from <paramref name="section"/> (e.g. "EmbeddingModel") and
    /// their settings validated at start-up. Registration does no I/O: the model loads when the generator is first
    /// resolved, and a model file that does not exist fails there (<see cref="ModelFileException"/>, naming the file).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section the options are bound from.</param>
    /// <param name="configure">Applied after binding (e.g. a model path from the command line); optional.</param>
    /// <param name="serviceKey">Registers the pipeline as a keyed generator under this key; null = the unkeyed one.</param>
    /// <returns>The pipeline's builder, to add steps such as <c>UseLogging()</c> or <c>UseOpenTelemetry()</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddLlamaEmbeddingGenerator(this IServiceCollection services, IConfiguration section, Action<LlamaEmbeddingGeneratorOptions>? configure = null, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddLlamaRuntime();
        var options = services.AddOptions<LlamaEmbeddingGeneratorOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlamaEmbeddingGeneratorOptions>, LlamaEmbeddingGeneratorOptionsValidator>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<LlamaEmbeddingGenerator>();
        return serviceKey is null
            ? services.AddEmbeddingGenerator(sp => sp.GetRequiredService<LlamaEmbeddingGenerator>())
            : services.AddKeyedEmbeddingGenerator(serviceKey, sp => sp.GetRequiredService<LlamaEmbeddingGenerator>());
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
