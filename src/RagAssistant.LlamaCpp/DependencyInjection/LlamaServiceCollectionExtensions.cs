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
    /// bound from <paramref name="section"/> (e.g. "ChatModel") and validated at start-up.
    /// </summary>
    public static IServiceCollection AddLlamaChatClient(this IServiceCollection services, IConfiguration section, Action<LlamaChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddLlamaRuntime();
        var builder = services.AddOptions<LlamaChatClientOptions>().Bind(section).ValidateDataAnnotations().Validate(o => File.Exists(o.ModelPath), "ChatModel:ModelPath does not name an existing file.").ValidateOnStart();
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
    /// </summary>
    public static IServiceCollection AddLlamaEmbeddingGenerator(this IServiceCollection services, IConfiguration section, Action<LlamaEmbeddingGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddLlamaRuntime();
        var builder = services.AddOptions<LlamaEmbeddingGeneratorOptions>().Bind(section).ValidateDataAnnotations().Validate(o => File.Exists(o.ModelPath), "EmbeddingModel:ModelPath does not name an existing file.").ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddSingleton<LlamaEmbeddingGenerator>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => sp.GetRequiredService<LlamaEmbeddingGenerator>());
        return services;
    }

    /// <summary>Registers <see cref="LlamaRuntimeOptions"/> (backend choice); bind it with <c>Configure&lt;LlamaRuntimeOptions&gt;(section)</c>.</summary>
    public static IServiceCollection AddLlamaRuntime(this IServiceCollection services)
    {
        services.AddOptions<LlamaRuntimeOptions>();
        return services;
    }
}
