using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting.Logging;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.OpenAICompatible;
using RagAssistant.Hosting.Startup;
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
    /// the embedding model as <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, Core's retrieval and answering,
    /// and the start-up (<see cref="AssistantStartup"/>, <see cref="AssistantReadiness"/>) that loads the models,
    /// publishes <see cref="AssistantRuntimeInfo"/> and the notices, and builds the index.
    /// The chat model is chosen by <c>ChatModel:Provider</c>: LlamaSharp (default, the GGUF file
    /// <c>ChatModel:ModelPath</c> in process) or OpenAICompatible (a server at <c>ChatModel:Endpoint</c> serving
    /// <c>ChatModel:ModelId</c>, optional bearer key <c>ChatModel:ApiKey</c>, context <c>ChatModel:ContextSize</c>).
    /// The embedder is chosen by <c>EmbeddingModel:Provider</c>: Bundled (default, arctic-embed-xs inside the
    /// application, nothing to download, with all-MiniLM-L6-v2 beside it as the second dense retriever), Gguf (<c>EmbeddingModel:ModelPath</c> through llama.cpp), OpenAICompatible
    /// (same keys as the chat model, under <c>EmbeddingModel</c>) or None (BM25 only). Both clients are built with
    /// Microsoft.Extensions.AI's <c>AddChatClient</c>/<c>AddEmbeddingGenerator</c> pipelines (OpenTelemetry, logging).
    /// A local GGUF file that is not downloaded resolves as no client (null): answers are retrieval-only, or
    /// retrieval is BM25 only, and the start-up's notices say so and how to fix it.
    /// </summary>
    /// <remarks>
    /// Registration does no I/O and throws nothing: whether a model file exists is read when the services are first
    /// resolved (<see cref="LocalModelFiles"/>). A model named on the command line that does not exist, or an
    /// unknown provider, fails start-up validation (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/>
    /// from <c>ValidateStartupOptions</c> or the host's start) with a message that says what to fix.
    /// </remarks>
    /// <param name="services">The front end's service collection.</param>
    /// <param name="configuration">The application's configuration: appsettings.json, environment variables, the command line (<see cref="CommandLineOverrides"/>).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddRagAssistant(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.Configure<LlamaRuntimeOptions>(configuration.GetSection(LlamaRuntimeOptions.SectionName));
        AddDefaultThreads(services);
        services.AddAssistantStartup(configuration);

        // Every log entry of both front ends has its control characters escaped: file names and document text in a
        // message can neither drive the terminal nor forge a line. A front end decorating the factory wraps this one.
        services.TryAddSingleton<LoggerFactory>();
        services.TryAddSingleton(sp => new ControlCharacterEscapingLoggerFactory(sp.GetRequiredService<LoggerFactory>()));
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => sp.GetRequiredService<ControlCharacterEscapingLoggerFactory>()));

        var retrievalOnly = configuration.GetValue<bool>(CommandLineOverrides.RetrievalOnlyKey);
        var chatProvider = ModelProviders.ResolveChat(configuration, out var chatProviderError);
        if (chatProviderError is not null)
        {
            // Reported by start-up validation with the front end's one-line message, not thrown while registering.
            FailAtStart(services, ModelProviders.ChatKey, chatProviderError);
        }
        else if (retrievalOnly)
        {
            // No chat client: the pipeline extracts answers.
        }
        else if (chatProvider == ChatModelProvider.OpenAICompatible)
        {
            OpenAICompatibleRegistration.AddChatModel(services, configuration);
        }
        else if (HasModelPath(configuration, LlamaChatClientOptions.SectionName))
        {
            AddLocalChatModel(services, configuration);
        }

        var provider = ModelProviders.ResolveEmbedding(configuration, out var embeddingProviderError);
        if (embeddingProviderError is not null)
        {
            FailAtStart(services, ModelProviders.EmbeddingKey, embeddingProviderError);
        }

        switch (provider)
        {
            case EmbeddingProvider.Bundled:
                services.AddEmbeddingGenerator(sp => sp.GetRequiredService<ArcticEmbeddingGenerator>()).UseOpenTelemetry(OpenAICompatibleRegistration.NoTelemetryLogs).UseLogging();
                services.AddArcticEmbeddingGenerator(configuration.GetSection(ArcticEmbeddingGeneratorOptions.SectionName));

                // The bundled pair: all-MiniLM-L6-v2 is the second dense retriever (Retrieval:SecondDenseWeight; 0 leaves it unloaded).
                services.AddMiniLmEmbeddingGenerator(RetrievalOptions.SecondDenseKey);

                // A cosine's scale is the embedder's own: the out-of-domain floor measured for arctic-embed-xs.
                services.PostConfigure<RetrievalOptions>(options => options.OutOfDomainCosine ??= BundledEmbedder.OutOfDomainCosine);
                services.TryAddKeyedSingleton<ITokenizer>(ITokenizer.EmbeddingKey, (sp, _) => new ArcticEmbeddingTokenizer(sp.GetRequiredService<ArcticEmbeddingGenerator>()));
                break;
            case EmbeddingProvider.Gguf when HasModelPath(configuration, LlamaEmbeddingGeneratorOptions.SectionName):
                AddLocalEmbeddingModel(services, configuration);
                break;
            case EmbeddingProvider.OpenAICompatible:
                OpenAICompatibleRegistration.AddEmbeddingModel(services, configuration);
                break;
            default:
                // BM25 only; the start-up's notice says how to turn semantic search on.
                break;
        }

        services.AddRagRetrieval(configuration);

        // Before Core's own IAnswerPipeline: a chat model downloaded while running replaces the pipeline composed at start.
        services.TryAddSingleton(sp => new ChatModelRuntime(
            () => sp.GetRequiredService<AnswerPipeline>(),
            () => sp.GetService<IChatClient>(),
            () => sp.GetRequiredService<AnswerPipelineFactory>()));
        services.TryAddSingleton<IAnswerPipeline>(sp => sp.GetRequiredService<ChatModelRuntime>());
        services.AddRagAnswering(configuration);
        services.AddAssistantService(configuration);
        services.AddConversations(configuration);
        return services;
    }

    // One answer to "how many threads" for every model in process: the physical cores, where Threads is left at 0.
    // After the binding and the adapters' own Configure calls, so only an unset value changes. Only 0: a negative
    // count is left for validation to refuse ("must be between 0 and 1024, got -1"), not quietly made the default.
    private static void AddDefaultThreads(IServiceCollection services)
    {
        services.PostConfigure<LlamaChatClientOptions>(options => options.Threads = DefaultThreads(options.Threads));
        services.PostConfigure<LlamaEmbeddingGeneratorOptions>(options => options.Threads = DefaultThreads(options.Threads));
        services.PostConfigure<ArcticEmbeddingGeneratorOptions>(options => options.Threads = DefaultThreads(options.Threads));
    }

    private static int DefaultThreads(int configured) => configured == 0 ? PhysicalCores.Count : configured;

    // A setting that registration cannot honour: reported by start-up validation (ValidateOnStart), so registering
    // throws nothing and both front ends show it with their one-line configuration message.
    private static void FailAtStart(IServiceCollection services, string name, string message) =>
        services.AddOptions<RegistrationFailure>(name).Validate(_ => false, message).ValidateOnStart();

    // The GGUF chat model in process, registered by the llama.cpp adapter under a key. Whether its file exists is
    // known only when the services are resolved: the unkeyed client then resolves as null (retrieval-only) for a file
    // that is not downloaded, so nothing loads or throws; LocalModelFilesOptions fails start-up for a missing file
    // named on the command line. A file that fails to load resolves as null too, its failure recorded (LoadFailure).
    private static void AddLocalChatModel(IServiceCollection services, IConfiguration configuration)
    {
        services.AddLlamaChatClient(configuration.GetSection(LlamaChatClientOptions.SectionName), serviceKey: LocalModelKey)
            .UseOpenTelemetry(OpenAICompatibleRegistration.NoTelemetryLogs)
            .UseLogging();
        services.AddOptions<LlamaChatClientOptions>()
            .Configure<LocalModelFiles>((options, files) => options.ModelPath = files.Chat?.Path ?? options.ModelPath);
        services.TryAddSingleton(sp => LoadLocal(sp, files => files.Chat, () => sp.GetRequiredKeyedService<IChatClient>(LocalModelKey))!);
        services.TryAddKeyedSingleton<ITokenizer>(ITokenizer.ChatKey, (sp, _) => LoadLocal<ITokenizer>(sp, files => files.Chat, () => new LlamaChatTokenizer(sp.GetRequiredService<LlamaChatClient>()))!);

        // A file a download puts in place after start-up is loaded through the keyed pipeline: the unkeyed client
        // resolved as null while the file was missing.
        services.TryAddSingleton(sp => new LocalChatModelLoader(
            () => sp.GetRequiredKeyedService<IChatClient>(LocalModelKey),
            () => new LlamaChatTokenizer(sp.GetRequiredService<LlamaChatClient>())));
    }

    // The GGUF embedder through llama.cpp; like the chat model, it resolves as null while its file is not downloaded.
    private static void AddLocalEmbeddingModel(IServiceCollection services, IConfiguration configuration)
    {
        services.AddLlamaEmbeddingGenerator(configuration.GetSection(LlamaEmbeddingGeneratorOptions.SectionName), serviceKey: LocalModelKey)
            .UseOpenTelemetry(OpenAICompatibleRegistration.NoTelemetryLogs)
            .UseLogging();
        services.AddOptions<LlamaEmbeddingGeneratorOptions>()
            .Configure<LocalModelFiles>((options, files) => options.ModelPath = files.Embedding?.Path ?? options.ModelPath);
        services.TryAddSingleton(sp => LoadLocal(sp, files => files.Embedding, () => sp.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(LocalModelKey))!);
        services.TryAddKeyedSingleton<ITokenizer>(ITokenizer.EmbeddingKey, (sp, _) =>
            LoadLocal<ITokenizer>(sp, files => files.Embedding, () => new LlamaEmbeddingTokenizer(sp.GetRequiredService<LlamaEmbeddingGenerator>()))!);
    }

    // No local model without a path: its settings would fail validation for a model nobody asked for, and
    // LocalModelFiles reports none (answers are retrieval-only, retrieval BM25 only).
    private static bool HasModelPath(IConfiguration configuration, string section) =>
        !string.IsNullOrWhiteSpace(configuration[$"{section}:ModelPath"]);

    /// <summary>Key of the local model pipelines; the unkeyed client is that pipeline when its file exists, else null.</summary>
    private const string LocalModelKey = "RagAssistant.LocalModel";

    // Null for a file that is not downloaded, or that failed to load once (recorded for the start-up and the 503s).
    private static TClient? LoadLocal<TClient>(IServiceProvider services, Func<LocalModelFiles, LocalModelFile?> select, Func<TClient> load)
        where TClient : class
    {
        var files = services.GetRequiredService<LocalModelFiles>();
        return files.Load(select(files), load);
    }

    /// <summary>Carries a registration-time configuration error to start-up validation; it has no settings.</summary>
    private sealed class RegistrationFailure;
}
