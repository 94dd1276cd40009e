using OpenTelemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RagAssistant.Core.Answering;

namespace Microsoft.Extensions.Hosting;

/// <summary>OpenTelemetry traces and metrics for the service, exported over OTLP when an endpoint is configured.</summary>
internal static class TelemetryHostApplicationBuilderExtensions
{
    /// <summary>The setting that turns export on: the collector's OTLP endpoint (e.g. <c>http://127.0.0.1:4317</c>).</summary>
    public const string OtlpEndpointKey = "OpenTelemetry:OtlpEndpoint";

    /// <summary>The standard OpenTelemetry variable, honoured as well (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</summary>
    public const string StandardOtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // Microsoft.Extensions.AI's UseOpenTelemetry() writes its spans (one per chat call and embedding batch, with token
    // usage) and its metrics under this name.
    private const string AiTelemetrySource = "Experimental.Microsoft.Extensions.AI";

    // Semantic Kernel writes a span per kernel function (papers.search_papers, answering.rewrite_follow_up,
    // answering.answer, evidence.check_claim) and its function duration metrics under "Microsoft.SemanticKernel" and
    // names below it.
    private const string SemanticKernelTelemetrySource = "Microsoft.SemanticKernel*";

    /// <summary>
    /// When <c>OpenTelemetry:OtlpEndpoint</c> (or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is set, exports traces
    /// (ASP.NET Core requests, outgoing HTTP such as calls to an OpenAI-compatible model server, the chat and
    /// embedding clients, the Semantic Kernel steps) and metrics (ASP.NET Core, HTTP client, .NET runtime, token usage,
    /// kernel function durations, the answer steps' <see cref="AnswerTelemetryFilter.MeterName"/>) to it over OTLP.
    /// Without the setting nothing is registered and nothing is exported. Registering does no I/O.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder (<c>WebApplicationBuilder</c>).</typeparam>
    /// <param name="builder">The service's host builder.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static TBuilder AddRagAssistantTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var endpoint = builder.Configuration[OtlpEndpointKey];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            endpoint = builder.Configuration[StandardOtlpEndpointKey];
        }

        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var collector) || collector.Scheme is not ("http" or "https"))
        {
            // Reported by start-up validation with the service's one-line message; registering throws nothing.
            builder.Services.AddOptions<BadEndpoint>()
                .Validate(_ => false, $"{OtlpEndpointKey} is \"{endpoint}\"; set it to the collector's OTLP/gRPC URL, e.g. http://127.0.0.1:4317.")
                .ValidateOnStart();
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource(AiTelemetrySource)
                .AddSource(SemanticKernelTelemetrySource))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(AiTelemetrySource)
                .AddMeter(SemanticKernelTelemetrySource)
                .AddMeter(AnswerTelemetryFilter.MeterName))
            .UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, collector);
        return builder;
    }

    /// <summary>Carries a bad endpoint to start-up validation; it has no settings.</summary>
    private sealed class BadEndpoint;
}
