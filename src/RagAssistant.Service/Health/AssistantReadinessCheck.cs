using Microsoft.Extensions.Diagnostics.HealthChecks;
using RagAssistant.Service.Indexing;

namespace RagAssistant.Service.Health;

/// <summary>Ready when the index is built and the models are loaded; the description says what is missing.</summary>
internal sealed class AssistantReadinessCheck(AssistantReadiness readiness) : IHealthCheck
{
    /// <summary>Tag of the checks /health/ready runs.</summary>
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["index"] = readiness.IndexState.ToString(),
            ["models"] = readiness.ModelState.ToString(),
        };

        if (readiness.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Index built and models loaded.", data));
        }

        var missing = readiness.ModelState switch
        {
            ModelState.Failed => $"Loading the models failed: {readiness.ModelError}",
            ModelState.Loading => "The models are still loading.",
            _ => readiness.IndexState == IndexState.Failed
                ? $"Indexing the corpus failed: {readiness.IndexError}"
                : "The corpus is still being indexed.",
        };
        return Task.FromResult(HealthCheckResult.Unhealthy(missing, data: data));
    }
}
