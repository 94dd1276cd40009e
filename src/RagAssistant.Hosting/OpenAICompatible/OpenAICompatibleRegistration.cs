using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;
using RagAssistant.Core;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>Registers models served over the OpenAI API behind Microsoft.Extensions.AI's abstractions.</summary>
internal static class OpenAICompatibleRegistration
{
    // The OpenAI SDK refuses an empty key; servers without authentication (Ollama, llama-server) ignore it.
    private const string NoApiKey = "unused";

    /// <summary>
    /// For <c>UseOpenTelemetry</c>: spans and metrics only. Given the host's logger factory it would also log every
    /// failed or cancelled call (an answer stopped with Ctrl+C, indexing stopped at exit) as a warning; failures are
    /// reported by the callers, and <c>UseLogging</c> logs the calls.
    /// </summary>
    public static readonly ILoggerFactory NoTelemetryLogs = NullLoggerFactory.Instance;

    /// <summary>The chat client for <c>ChatModel:Endpoint</c>/<c>ChatModel:ModelId</c>, with a conservative tokenizer over <c>ChatModel:ContextSize</c>.</summary>
    public static void AddChatModel(IServiceCollection services, IConfiguration configuration)
    {
        AddOptions(services, configuration, OpenAICompatibleModelOptions.ChatName);
        services.AddChatClient(sp => CreateClient(sp, OpenAICompatibleModelOptions.ChatName, out var modelId).GetChatClient(modelId).AsIChatClient())
            .UseOpenTelemetry(NoTelemetryLogs)
            .UseLogging();

        // The OpenAI API has no tokenize call: count pessimistically so the packed prompt and the answer fit the server's context.
        services.TryAddKeyedSingleton<ITokenizer>(ITokenizer.ChatKey, (sp, _) => new ApproximateTokenizer(Get(sp, OpenAICompatibleModelOptions.ChatName).ContextSize));
    }

    /// <summary>The embedding generator for <c>EmbeddingModel:Endpoint</c>/<c>EmbeddingModel:ModelId</c>.</summary>
    public static void AddEmbeddingModel(IServiceCollection services, IConfiguration configuration)
    {
        AddOptions(services, configuration, OpenAICompatibleModelOptions.EmbeddingName);
        services.AddEmbeddingGenerator(sp => CreateClient(sp, OpenAICompatibleModelOptions.EmbeddingName, out var modelId).GetEmbeddingClient(modelId).AsIEmbeddingGenerator())
            .UseOpenTelemetry(NoTelemetryLogs)
            .UseLogging();
    }

    /// <summary>The validated options of <paramref name="name"/> (<see cref="OpenAICompatibleModelOptions.ChatName"/> or <see cref="OpenAICompatibleModelOptions.EmbeddingName"/>).</summary>
    public static OpenAICompatibleModelOptions Get(IServiceProvider services, string name) =>
        services.GetRequiredService<IOptionsMonitor<OpenAICompatibleModelOptions>>().Get(name);

    private static void AddOptions(IServiceCollection services, IConfiguration configuration, string name)
    {
        services.AddOptions<OpenAICompatibleModelOptions>(name).Bind(configuration.GetSection(name)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenAICompatibleModelOptions>, OpenAICompatibleModelOptionsValidator>());
    }

    private static OpenAIClient CreateClient(IServiceProvider services, string name, out string modelId)
    {
        var options = Get(services, name);
        modelId = options.ModelId!;
        return new OpenAIClient(
            new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? NoApiKey : options.ApiKey),
            new OpenAIClientOptions { Endpoint = options.EndpointUri });
    }
}
