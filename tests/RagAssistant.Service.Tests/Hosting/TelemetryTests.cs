using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class TelemetryTests
{
    [Fact]
    public void Without_an_otlp_endpoint_nothing_is_registered_and_with_one_traces_and_metrics_are()
    {
        using var off = Build(null);
        using var on = Build("http://127.0.0.1:4317");

        Assert.Null(off.Services.GetService<TracerProvider>());
        Assert.Null(off.Services.GetService<MeterProvider>());
        Assert.NotNull(on.Services.GetService<TracerProvider>());
        Assert.NotNull(on.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task With_an_otlp_endpoint_a_kernel_function_runs_inside_a_traced_semantic_kernel_span()
    {
        using var on = Build("http://127.0.0.1:4317");
        _ = on.Services.GetRequiredService<TracerProvider>();
        string? source = null;
        string? span = null;
        var step = KernelFunctionFactory.CreateFromMethod(
            () =>
            {
                (source, span) = (Activity.Current?.Source.Name, Activity.Current?.DisplayName);
                return "ok";
            },
            "search_papers");

        await new Kernel().InvokeAsync(step, cancellationToken: TestContext.Current.CancellationToken);

        // SK starts the span only when a listener subscribes to its source: the tracer provider does.
        Assert.Equal("Microsoft.SemanticKernel", source);
        Assert.Contains("search_papers", span, StringComparison.Ordinal);
    }

    [Fact]
    public void With_an_otlp_endpoint_the_answer_steps_meter_is_exported()
    {
        using var on = Build("http://127.0.0.1:4317");
        _ = on.Services.GetRequiredService<MeterProvider>();
        using var meter = new Meter(AnswerTelemetryFilter.MeterName);

        var retrieval = meter.CreateHistogram<double>(AnswerTelemetryFilter.RetrievalDuration);

        // The meter provider's listener enables the instrument as it is published.
        Assert.True(retrieval.Enabled);
    }

    [Fact]
    public void A_bad_otlp_endpoint_fails_start_up_validation_not_registration()
    {
        using var host = Build("localhost:4317");

        var error = Assert.Throws<OptionsValidationException>(host.Services.ValidateStartupOptions);
        Assert.Contains("OpenTelemetry:OtlpEndpoint is \"localhost:4317\"", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    private static IHost Build(string? endpoint)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [TelemetryHostApplicationBuilderExtensions.OtlpEndpointKey] = endpoint });
        return builder.AddRagAssistantTelemetry().Build();
    }
}
