using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.OpenAICompatible;
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
    /// The chat model is chosen by <c>ChatModel:Provider</c>: LlamaSharp (default, the GGUF file
    /// <c>ChatModel:ModelPath</c> in process) or OpenAICompatible (a server at <c>ChatModel:Endpoint</c> serving
    /// <c>ChatModel:ModelId</c>, optional bearer key <c>ChatModel:ApiKey</c>, context <c>ChatModel:ContextSize</c>).
    /// The embedder is chosen by <c>EmbeddingModel:Provider</c>: Bundled (default, arctic-embed-xs inside the
    /// application, nothing to download), Gguf (<c>EmbeddingModel:ModelPath</c> through llama.cpp), OpenAICompatible
    /// (same keys as the chat model, under <c>EmbeddingModel</c>) or None (BM25 only). Both clients are built with
    /// Microsoft.Extensions.AI's <c>AddChatClient</c>/<c>AddEmbeddingGenerator</c> pipelines (OpenTelemetry, logging).
    /// An unknown <c>ChatModel:Provider</c> or bad server settings fail start-up validation (<c>ValidateOnStart</c>).
    /// Without a chat model answers are retrieval-only; without an embedding model retrieval is BM25 only; the
    /// notices say so and how to fix it.
    /// </summary>
    /// <remarks>
    /// Registration throws nothing: a model named on the command line that does not exist, or an unknown provider,
    /// fails start-up validation (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/> from
    /// <c>ValidateStartupOptions</c> or the host's start) with a message that says what to fix.
    /// </remarks>
    public static IServiceCollection AddRagAssistant(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var notices = new List<string>();
        services.Configure<LlamaRuntimeOptions>(configuration.GetSection(LlamaRuntimeOptions.SectionName));

        var retrievalOnly = configuration.GetValue<bool>(CommandLineOverrides.RetrievalOnlyKey);
        var chatProvider = ResolveChatProvider(configuration, out var chatProviderError);
        string? chatPath = null;
        var chatRemote = false;
        if (chatProviderError is not null)
        {
            // Reported by start-up validation with the front end's one-line message, not thrown while registering.
            FailAtStart(services, ChatProviderKey, chatProviderError);
        }
        else if (retrievalOnly)
        {
            notices.Add("Retrieval-only mode: answers are sentences extracted from the papers, not generated.");
        }
        else if (chatProvider == ChatModelProvider.OpenAICompatible)
        {
            OpenAICompatibleRegistration.AddChatModel(services, configuration);
            chatRemote = true;
        }
        else
        {
            chatPath = ResolveModel(services, configuration, LlamaChatClientOptions.SectionName, CommandLineOverrides.RequireChatModelKey, "--model", "chat", notices, skip: false);
            if (chatPath is not null)
            {
                // Registered first, so the llama.cpp registration below keeps this pipeline as the IChatClient.
                services.AddChatClient(sp => sp.GetRequiredService<LlamaChatClient>()).UseOpenTelemetry(OpenAICompatibleRegistration.NoTelemetryLogs).UseLogging();
                services.AddLlamaChatClient(configuration.GetSection(LlamaChatClientOptions.SectionName), o => o.ModelPath = chatPath);
                services.TryAddKeyedSingleton<ITokenizer, LlamaChatTokenizer>(ITokenizer.ChatKey);
            }
        }

        var provider = ResolveEmbeddingProvider(configuration, out var embeddingProviderError);
        if (embeddingProviderError is not null)
        {
            FailAtStart(services, EmbeddingProviderKey, embeddingProviderError);
        }

        string? embeddingPath = null;
        string? embeddingDescription = null;
        var embeddingRemote = false;
        switch (provider)
        {
            case EmbeddingProvider.Bundled:
                services.AddEmbeddingGenerator(sp => sp.GetRequiredService<ArcticEmbeddingGenerator>()).UseOpenTelemetry(OpenAICompatibleRegistration.NoTelemetryLogs).UseLogging();
                services.AddArcticEmbeddingGenerator(configuration.GetSection(ArcticEmbeddingGeneratorOptions.SectionName));
                services.TryAddKeyedSingleton<ITokenizer>(ITokenizer.EmbeddingKey, (sp, _) => new ArcticEmbeddingTokenizer(sp.GetRequiredService<ArcticEmbeddingGenerator>()));
                embeddingDescription = BundledEmbeddingDescription;
                break;
            case EmbeddingProvider.Gguf:
                embeddingPath = ResolveModel(services, configuration, LlamaEmbeddingGeneratorOptions.SectionName, CommandLineOverrides.RequireEmbeddingModelKey, "--embedding-model", "embedding", notices, skip: false);
                if (embeddingPath is not null)
                {
                    services.AddEmbeddingGenerator(sp => sp.GetRequiredService<LlamaEmbeddingGenerator>()).UseOpenTelemetry(OpenAICompatibleRegistration.NoTelemetryLogs).UseLogging();
                    services.AddLlamaEmbeddingGenerator(configuration.GetSection(LlamaEmbeddingGeneratorOptions.SectionName), o => o.ModelPath = embeddingPath);
                    services.TryAddKeyedSingleton<ITokenizer>(ITokenizer.EmbeddingKey, (sp, _) => new LlamaEmbeddingTokenizer(sp.GetRequiredService<LlamaEmbeddingGenerator>()));
                    embeddingDescription = Path.GetFileName(embeddingPath);
                }

                break;
            case EmbeddingProvider.OpenAICompatible:
                OpenAICompatibleRegistration.AddEmbeddingModel(services, configuration);
                embeddingRemote = true;
                break;
            default:
                notices.Add($"{EmbeddingProviderKey} is None: retrieval is BM25 (keyword) only. Set it to Bundled for semantic search with the built-in model.");
                break;
        }

        services.AddRagRetrieval(configuration);
        services.AddRagAnswering(configuration);
        services.AddAssistantService(configuration);
        services.TryAddSingleton(sp => AssistantRuntimeInfoFactory.Create(sp, chatPath, chatRemote, embeddingPath, embeddingRemote ? OpenAICompatibleRegistration.Describe(sp, OpenAICompatibleModelOptions.EmbeddingName) : embeddingDescription, notices));
        return services;
    }

    /// <summary>Configuration key of where the chat model runs: LlamaSharp (default, in process) or OpenAICompatible.</summary>
    public const string ChatProviderKey = "ChatModel:Provider";

    /// <summary>The configured chat provider: <see cref="ChatModelProvider.LlamaSharp"/> when <c>ChatModel:Provider</c> is unset.</summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <param name="error">Why the configured value is not a provider (and what to write instead), or null when it is one.</param>
    /// <returns>The provider; <see cref="ChatModelProvider.LlamaSharp"/> when <paramref name="error"/> is set.</returns>
    public static ChatModelProvider ResolveChatProvider(IConfiguration configuration, out string? error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ParseProvider(
            configuration[ChatProviderKey],
            ChatModelProvider.LlamaSharp,
            $"{ChatProviderKey} is \"{configuration[ChatProviderKey]}\"; use LlamaSharp (the GGUF file ChatModel:ModelPath, in process) or OpenAICompatible (a server at ChatModel:Endpoint serving ChatModel:ModelId).",
            out error);
    }

    /// <summary>Configuration key of the embedder choice: Bundled (default), Gguf, OpenAICompatible or None.</summary>
    public const string EmbeddingProviderKey = "EmbeddingModel:Provider";

    /// <summary>How the bundled embedder is named in the banner and /api/status.</summary>
    public const string BundledEmbeddingDescription = "arctic-embed-xs (bundled, ONNX Runtime)";

    /// <summary>The configured embedder; a GGUF file named on the command line (--embedding-model) means Gguf.</summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <param name="error">Why <c>EmbeddingModel:Provider</c> is not a provider (and what to write instead), or null when it is one.</param>
    /// <returns>The provider; <see cref="EmbeddingProvider.Bundled"/> when <paramref name="error"/> is set.</returns>
    public static EmbeddingProvider ResolveEmbeddingProvider(IConfiguration configuration, out string? error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetValue<bool>(CommandLineOverrides.RequireEmbeddingModelKey))
        {
            error = null;
            return EmbeddingProvider.Gguf;
        }

        return ParseProvider(
            configuration[EmbeddingProviderKey],
            EmbeddingProvider.Bundled,
            $"{EmbeddingProviderKey} is \"{configuration[EmbeddingProviderKey]}\"; use Bundled (the built-in model), Gguf (EmbeddingModel:ModelPath through llama.cpp), OpenAICompatible (a server at EmbeddingModel:Endpoint) or None (BM25 only).",
            out error);
    }

    // Unset means the default; an unknown name is an error (and the default, so registration can go on).
    private static TProvider ParseProvider<TProvider>(string? configured, TProvider unset, string unknown, out string? error)
        where TProvider : struct, Enum
    {
        error = null;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return unset;
        }

        if (Enum.TryParse<TProvider>(configured, ignoreCase: true, out var provider) && Enum.IsDefined(provider))
        {
            return provider;
        }

        error = unknown;
        return unset;
    }

    // A setting that registration cannot honour: reported by start-up validation (ValidateOnStart), so registering
    // throws nothing and both front ends show it with their one-line configuration message.
    private static void FailAtStart(IServiceCollection services, string name, string message) =>
        services.AddOptions<RegistrationFailure>(name).Validate(_ => false, message).ValidateOnStart();

    private static string? ResolveModel(IServiceCollection services, IConfiguration configuration, string section, string requireKey, string option, string role, List<string> notices, bool skip)
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
            FailAtStart(services, requireKey, $"The {role} model file {path} (from {option}) does not exist. Check the path, or fetch the default one with `{ConsoleCommand.Download(role)}`.");
            return null;
        }

        // One wording for both front ends: a service user has no console session, so the hint also says where the
        // file goes (any download tool will do) and that a model server is the other way; a restart picks it up.
        notices.Add(role == "chat"
            ? $"The chat model {path} is not downloaded yet: answers are retrieval-only (extracted, not generated). Fetch it with `{ConsoleCommand.Download("chat")}` from the repository root (or save the GGUF file named in models/models.json at that path), or set {ChatProviderKey} to OpenAICompatible to use a model server; then restart."
            : $"The GGUF embedding model {path} is not downloaded yet: retrieval is BM25 only. Fetch it with `{ConsoleCommand.Download("embedding")}` from the repository root (or save the GGUF file named in models/models.json at that path), or set {EmbeddingProviderKey} to Bundled to use the built-in model (no download).");
        return null;
    }

    /// <summary>Carries a registration-time configuration error to start-up validation; it has no settings.</summary>
    private sealed class RegistrationFailure;
}
