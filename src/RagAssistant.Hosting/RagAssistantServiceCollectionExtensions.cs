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

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Composes the assistant: the llama.cpp adapters (when their models are present) behind Core's abstractions.</summary>
public static class RagAssistantServiceCollectionExtensions
{
    /// <summary>
    /// Registers everything the front ends need from configuration: the chat model as <see cref="IChatClient"/> and
    /// the embedding model as <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> when their files exist (a model
    /// named on the command line must exist), Core's retrieval and answering, and <see cref="AssistantRuntimeInfo"/>.
    /// Without a chat model answers are retrieval-only; without an embedding model retrieval is BM25 only; the
    /// notices say so and how to fetch the model.
    /// </summary>
    /// <exception cref="AssistantConfigurationException">A model named on the command line does not exist.</exception>
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

        var embeddingPath = ResolveModel(configuration, LlamaEmbeddingGeneratorOptions.SectionName, CommandLineOverrides.RequireEmbeddingModelKey, "--embedding-model", "embedding", notices, skip: false);
        if (embeddingPath is not null)
        {
            services.AddLlamaEmbeddingGenerator(configuration.GetSection(LlamaEmbeddingGeneratorOptions.SectionName), o => o.ModelPath = embeddingPath);
            services.TryAddKeyedSingleton<ITokenCounter>(ITokenCounter.EmbeddingKey, (sp, _) => new LlamaEmbeddingTokenCounter(sp.GetRequiredService<LlamaEmbeddingGenerator>()));
        }

        services.AddRagRetrieval(configuration);
        services.AddRagAnswering(configuration);
        services.TryAddSingleton(sp => AssistantRuntimeInfoFactory.Create(sp, chatPath, embeddingPath, notices));
        return services;
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
            : $"The embedding model {path} is not downloaded yet: retrieval is BM25 only. Fetch it with `{ConsoleCommand.Download("embedding")}`.");
        return null;
    }
}
