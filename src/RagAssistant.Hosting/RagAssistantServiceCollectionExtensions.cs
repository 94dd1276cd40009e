using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Corpus;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting.Models;
using RagAssistant.LlamaCpp;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Embeddings;
using RagAssistant.Onnx.Embeddings;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Composes the assistant: the llama.cpp adapters (when their models are present) behind Core's abstractions.</summary>
public static class RagAssistantServiceCollectionExtensions
{
    /// <summary>
    /// Registers everything the front ends need from configuration: the chat model as <see cref="IChatClient"/> and
    /// the embedding model as <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> when their files exist (a model
    /// named on the command line must exist), Core's retrieval and answering, and <see cref="AssistantRuntimeInfo"/>.
    /// The embedder is chosen by <c>EmbeddingModel:Provider</c>: Bundled (default, arctic-embed-xs inside the
    /// application, nothing to download), Gguf (<c>EmbeddingModel:ModelPath</c> through llama.cpp) or None (BM25 only).
    /// Without a chat model answers are retrieval-only; without an embedding model retrieval is BM25 only; the
    /// notices say so and how to fix it.
    /// </summary>
    /// <exception cref="AssistantConfigurationException">A model named on the command line does not exist, or EmbeddingModel:Provider is unknown.</exception>
    public static IServiceCollection AddRagAssistant(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var notices = new List<string>();
        services.Configure<LlamaRuntimeOptions>(configuration.GetSection(LlamaRuntimeOptions.SectionName));

        var retrievalOnly = configuration.GetValue<bool>(CommandLineOverrides.RetrievalOnlyKey);
        var chatPath = ResolveModel(configuration, LlamaChatClientOptions.SectionName, CommandLineOverrides.RequireChatModelKey, "--model", "chat", notices, skip: retrievalOnly);
        if (chatPath is not null)
        {
            services.AddLlamaChatClient(configuration.GetSection(LlamaChatClientOptions.SectionName), o => o.ModelPath = chatPath);
            services.TryAddSingleton<IChatTokenizer, LlamaChatTokenizer>();
        }
        else if (retrievalOnly)
        {
            notices.Add("Retrieval-only mode: answers are sentences extracted from the papers, not generated.");
        }

        var provider = ResolveEmbeddingProvider(configuration);
        string? embeddingPath = null;
        string? embeddingDescription = null;
        switch (provider)
        {
            case EmbeddingProvider.Bundled:
                services.AddArcticEmbeddingGenerator(configuration.GetSection(ArcticEmbeddingGeneratorOptions.SectionName));
                services.TryAddKeyedSingleton<ITokenCounter>(ITokenCounter.EmbeddingKey, (sp, _) => new ArcticEmbeddingTokenCounter(sp.GetRequiredService<ArcticEmbeddingGenerator>()));
                embeddingDescription = BundledEmbeddingDescription;
                break;
            case EmbeddingProvider.Gguf:
                embeddingPath = ResolveModel(configuration, LlamaEmbeddingGeneratorOptions.SectionName, CommandLineOverrides.RequireEmbeddingModelKey, "--embedding-model", "embedding", notices, skip: false);
                if (embeddingPath is not null)
                {
                    services.AddLlamaEmbeddingGenerator(configuration.GetSection(LlamaEmbeddingGeneratorOptions.SectionName), o => o.ModelPath = embeddingPath);
                    services.TryAddKeyedSingleton<ITokenCounter>(ITokenCounter.EmbeddingKey, (sp, _) => new LlamaEmbeddingTokenCounter(sp.GetRequiredService<LlamaEmbeddingGenerator>()));
                    embeddingDescription = Path.GetFileName(embeddingPath);
                }

                break;
            default:
                notices.Add($"{EmbeddingProviderKey} is None: retrieval is BM25 (keyword) only. Set it to Bundled for semantic search with the built-in model.");
                break;
        }

        services.AddRagRetrieval(configuration);
        services.AddRagAnswering(configuration);
        services.AddAssistantService(configuration);
        services.TryAddSingleton(sp => AssistantRuntimeInfoFactory.Create(sp, chatPath, embeddingPath, embeddingDescription, notices));
        return services;
    }

    /// <summary>Configuration key of the embedder choice: Bundled (default), Gguf or None.</summary>
    public const string EmbeddingProviderKey = "EmbeddingModel:Provider";

    /// <summary>How the bundled embedder is named in the banner and /api/status.</summary>
    public const string BundledEmbeddingDescription = "arctic-embed-xs (bundled, ONNX Runtime)";

    /// <summary>The configured embedder; a GGUF file named on the command line (--embedding-model) means Gguf.</summary>
    /// <exception cref="AssistantConfigurationException">EmbeddingModel:Provider is not Bundled, Gguf or None.</exception>
    public static EmbeddingProvider ResolveEmbeddingProvider(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetValue<bool>(CommandLineOverrides.RequireEmbeddingModelKey))
        {
            return EmbeddingProvider.Gguf;
        }

        var configured = configuration[EmbeddingProviderKey];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return EmbeddingProvider.Bundled;
        }

        return Enum.TryParse<EmbeddingProvider>(configured, ignoreCase: true, out var provider) && Enum.IsDefined(provider)
            ? provider
            : throw new AssistantConfigurationException($"{EmbeddingProviderKey} is \"{configured}\"; use Bundled (the built-in model), Gguf (EmbeddingModel:ModelPath through llama.cpp) or None (BM25 only).");
    }

    private static string? ResolveModel(IConfiguration configuration, string section, string requireKey, string option, string role, List<string> notices, bool skip)
    {
        var configured = configuration[$"{section}:ModelPath"];
        if (skip || string.IsNullOrWhiteSpace(configured))
        {
            if (!skip)
            {
                notices.Add($"No {role} model configured ({section}:ModelPath).");
            }

            return null;
        }

        var path = LocalPathResolver.Resolve(configured);
        if (File.Exists(path))
        {
            return path;
        }

        if (configuration.GetValue<bool>(requireKey))
        {
            throw new AssistantConfigurationException($"The {role} model file {path} (from {option}) does not exist. Check the path, or fetch the default one with `{ConsoleCommand.Download(role)}`.");
        }

        notices.Add(role == "chat"
            ? $"The chat model {path} is not downloaded yet: answers are retrieval-only (extracted, not generated). Fetch it with `{ConsoleCommand.Download("chat")}`."
            : $"The GGUF embedding model {path} is not downloaded yet: retrieval is BM25 only. Fetch it with `{ConsoleCommand.Download("embedding")}`, or set {EmbeddingProviderKey} to Bundled to use the built-in model (no download).");
        return null;
    }
}
