using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RagAssistant.Service;
using RagAssistant.Service.Answering;
using RagAssistant.Service.Api;
using RagAssistant.Service.Documents;
using RagAssistant.Service.Health;
using RagAssistant.Service.Indexing;
using RagAssistant.Service.Lifetime;
using RagAssistant.Service.OpenAi;
using RagAssistant.Service.Options;
using RagAssistant.Service.Security;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hosted service's own parts; the assistant itself comes from <c>AddRagAssistant</c>.</summary>
internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the service options (validated at start), the answer queue, the start-up in the background, the corpus
    /// watcher, health checks,
    /// problem details and the endpoint handlers.
    /// </summary>
    public static IServiceCollection AddRagAssistantService(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ServiceOptions>()
            .Bind(configuration.GetSection(ServiceOptions.SectionName))
            .Configure<IConfiguration>((options, config) => options.ListenUrls = ListenAddresses.FromConfiguration(config))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>());

        // Every endpoint gets the same body limit, enforced by Kestrel (binding then answers 413). It and the
        // shutdown timeout read the raw settings: the host resolves them while it is being built, before
        // validation can report a bad value with its clear message.
        services.AddOptions<KestrelServerOptions>()
            .Configure<IConfiguration>((kestrel, config) => kestrel.Limits.MaxRequestBodySize = RawOptions(config).MaxRequestBodyBytes);

        // Kestrel waits for requests in flight until the host's timeout; leave room after our grace period
        // for the cancelled answers to send their error event.
        services.AddOptions<HostOptions>()
            .Configure<IConfiguration>((host, config) => host.ShutdownTimeout = RawOptions(config).ShutdownTimeout + TimeSpan.FromSeconds(5));

        // One convention for every JSON body the service reads or writes, as ask --json and OpenAI: snake_case names and
        // enum values, and a null value left out. Bodies bind through the source-generated contract.
        services.ConfigureHttpJsonOptions(json => ServiceJsonContext.UseServiceConventions(json.SerializerOptions));

        // The OpenAPI document of the routes (/openapi/v1.json), from the endpoints' metadata and the JSON options above.
        services.AddOpenApi(openApi => openApi.AddSchemaTransformer((schema, context, _) =>
        {
            // A custom converter hides the number's type from the document: say what the field takes.
            if (context.JsonPropertyInfo?.CustomConverter is WholeNumberJsonConverter)
            {
                schema.Type = Microsoft.OpenApi.JsonSchemaType.Integer | Microsoft.OpenApi.JsonSchemaType.Null;
                schema.Format = "int64";
            }

            return Task.CompletedTask;
        }));

        // Binding failures throw (in every environment), so RequestBodyProblems can say what was wrong with the body.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddExceptionHandler<RequestBodyProblems>();

        // Request bodies are checked against their types' DataAnnotations (and IValidatableObject) before a handler runs;
        // a fault is a 400 problem whose detail is the attributes' messages (RequestBodyProblems.Describe).
        services.AddValidation();
        // Before the problem details writer: a /v1 request gets OpenAI's error shape instead.
        services.AddSingleton<IProblemDetailsWriter, OpenAiErrorWriter>();
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = RequestBodyProblems.Describe);

        // A busy port ends in Program's one-line message; the host's error about it, with its stack trace, goes to Debug.
        // It wraps AddRagAssistant's factory, which escapes control characters in every entry.
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new StartupFailureLogDemotion(sp.GetRequiredService<RagAssistant.Hosting.Logging.ControlCharacterEscapingLoggerFactory>())));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AllowedHostNames>();
        services.AddSingleton<AnswerQueue>();
        services.AddSingleton<ShutdownGrace>();
        services.AddSingleton<AnswerAdmission>();
        services.AddSingleton<AnswerEndpoint>();
        services.AddSingleton<AskHandler>();
        services.AddSingleton<SearchHandler>();
        services.AddSingleton<StatusHandler>();
        services.AddSingleton<ConversationsHandler>();
        services.AddConversationStoreStartup();
        services.AddSingleton<PapersHandler>();
        services.AddSingleton<UploadedDocuments>();
        services.AddSingleton<DocumentsHandler>();
        services.AddSingleton<ChatCompletionsHandler>();
        // The shared start-up loads the models and builds the index in the background; the watcher keeps it current.
        services.AddSingleton<IModelDownloadHint, ServiceDownloadHint>();
        services.AddAssistantStartupService();
        services.AddHostedService<CorpusIndexingService>();
        services.AddHostedService<ServiceBanner>();

        // The health check service logs a Degraded probe (still starting: normal) as a warning on every probe; only a
        // failed start (Unhealthy) is worth a line, at Error.
        services.Configure<LoggerFilterOptions>(filters => filters.AddFilter(HealthCheckServiceCategory, LogLevel.Error));
        services.AddHealthChecks()
            .AddCheck<AssistantReadinessCheck>("assistant", tags: [AssistantReadinessCheck.ReadyTag]);
        return services;
    }

    /// <summary>The log category of Microsoft.Extensions.Diagnostics.HealthChecks' <c>DefaultHealthCheckService</c>.</summary>
    internal const string HealthCheckServiceCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    private static ServiceOptions RawOptions(IConfiguration configuration)
    {
        try
        {
            // Values out of range (a negative body limit, which Kestrel's setter throws on): validation at start-up
            // reports them with their setting's name; the defaults meanwhile keep the host from failing first.
            var options = configuration.GetSection(ServiceOptions.SectionName).Get<ServiceOptions>() ?? new ServiceOptions();
            return new ServiceOptionsValidator().Validate(null, options).Failed ? new ServiceOptions() : options;
        }
        catch (InvalidOperationException)
        {
            // Unparsable values: validation at start-up reports them; use the defaults meanwhile.
            return new ServiceOptions();
        }
    }
}
