using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;
using RagAssistant.Core;
using RagAssistant.Core.Answering;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>Registers models served over the OpenAI API behind Microsoft.Extensions.AI's abstractions.</summary>
internal static class OpenAICompatibleRegistration
{
    // The OpenAI SDK refuses an empty key; without a configured key it is sent nowhere (NoAuthorization removes it).
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
        services.AddChatClient(sp =>
            {
                // One try per generation: a retry would send a cold or slow server a copy of a request it is still
                // working on, and multiply the wait before the user hears of the failure.
                var options = Get(sp, OpenAICompatibleModelOptions.ChatName);
                var client = CreateClient(options, retries: 0).GetChatClient(options.ModelId).AsIChatClient();
                return new ModelServerChatClient(client, new ModelServerFailure(options, OpenAICompatibleModelOptions.ChatName));
            })
            .UseOpenTelemetry(NoTelemetryLogs)
            .Use((inner, sp) => new LoggingChatClient(inner, new ReportedFailureLogDemotion(sp.GetRequiredService<ILoggerFactory>()).CreateLogger(typeof(LoggingChatClient).FullName!)));

        // The OpenAI API has no tokenize call: count pessimistically so the packed prompt and the answer fit the server's context.
        services.TryAddKeyedSingleton<ITokenizer>(ITokenizer.ChatKey, (sp, _) => new ApproximateTokenizer(Get(sp, OpenAICompatibleModelOptions.ChatName).ContextSize));
    }

    /// <summary>The embedding generator for <c>EmbeddingModel:Endpoint</c>/<c>EmbeddingModel:ModelId</c>.</summary>
    public static void AddEmbeddingModel(IServiceCollection services, IConfiguration configuration)
    {
        AddOptions(services, configuration, OpenAICompatibleModelOptions.EmbeddingName);
        services.AddEmbeddingGenerator(sp =>
            {
                // Indexing batches are idempotent: the SDK's retries of a failed batch stay.
                var options = Get(sp, OpenAICompatibleModelOptions.EmbeddingName);
                var generator = CreateClient(options, retries: null).GetEmbeddingClient(options.ModelId).AsIEmbeddingGenerator();
                return new ModelServerEmbeddingGenerator(generator, new ModelServerFailure(options, OpenAICompatibleModelOptions.EmbeddingName));
            })
            .UseOpenTelemetry(NoTelemetryLogs)
            .Use((inner, sp) => new LoggingEmbeddingGenerator<string, Embedding<float>>(inner, new ReportedFailureLogDemotion(sp.GetRequiredService<ILoggerFactory>()).CreateLogger<LoggingEmbeddingGenerator<string, Embedding<float>>>()));
    }

    /// <summary>The validated options of <paramref name="name"/> (<see cref="OpenAICompatibleModelOptions.ChatName"/> or <see cref="OpenAICompatibleModelOptions.EmbeddingName"/>).</summary>
    public static OpenAICompatibleModelOptions Get(IServiceProvider services, string name) =>
        services.GetRequiredService<IOptionsMonitor<OpenAICompatibleModelOptions>>().Get(name);

    private static void AddOptions(IServiceCollection services, IConfiguration configuration, string name)
    {
        services.AddOptions<OpenAICompatibleModelOptions>(name).Bind(configuration.GetSection(name)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenAICompatibleModelOptions>, OpenAICompatibleModelOptionsValidator>());
    }

    // retries: null keeps the SDK's policy.
    private static OpenAIClient CreateClient(OpenAICompatibleModelOptions options, int? retries)
    {
        var clientOptions = new OpenAIClientOptions { Endpoint = options.EndpointUri, NetworkTimeout = options.Timeout };
        if (retries is { } maxRetries)
        {
            clientOptions.RetryPolicy = new ClientRetryPolicy(maxRetries);
        }

        if (string.IsNullOrEmpty(options.ApiKey))
        {
            clientOptions.AddPolicy(NoAuthorization.Instance, PipelinePosition.BeforeTransport);
        }

        return new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? NoApiKey : options.ApiKey), clientOptions);
    }

    /// <summary>Removes the placeholder key's <c>Authorization</c> header: a server without authentication gets none.</summary>
    private sealed class NoAuthorization : PipelinePolicy
    {
        public static readonly NoAuthorization Instance = new();

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
