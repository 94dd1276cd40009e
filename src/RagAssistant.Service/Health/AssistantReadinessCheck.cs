using Microsoft.Extensions.Diagnostics.HealthChecks;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Health;

/// <summary>
/// Ready when the index is built (BM25 searchable) and the models are loaded; the description says what is missing.
/// The <c>hybrid</c> field says whether dense search is there yet: "pending" while the passages are embedded in the
/// background, "ready", "failed", or "unavailable" without an embedding model.
/// </summary>
internal sealed class AssistantReadinessCheck(AssistantReadiness readiness, IServiceProvider services) : IHealthCheck
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
        if (services.GetService<ICorpusIndex>() is { } index)
        {
            var embedding = index.Embedding;
            data["hybrid"] = embedding.State switch
            {
                EmbeddingState.Running => "pending",
                EmbeddingState.Ready => "ready",
                EmbeddingState.Failed => "failed",
                _ => "unavailable",
            };
            data["embedded"] = $"{embedding.Done}/{embedding.Total}";
        }

        if (readiness.IsReady)
        {
            var description = data.TryGetValue("hybrid", out var hybrid) && Equals(hybrid, "pending")
                ? "Index built (BM25) and models loaded; hybrid search is pending while the passages are embedded."
                : "Index built and models loaded.";
            return Task.FromResult(HealthCheckResult.Healthy(description, data));
        }

        var missing = readiness.ModelState switch
        {
            ModelState.Failed => $"Loading the models failed: {readiness.ModelError}",
            ModelState.Loading => "The models are still loading.",
            _ => readiness.NotReadyReason() ?? "The corpus is still being indexed.",
        };

        // Still starting is normal, not a failure: Degraded (503 all the same, see StartingStatusCode), which the
        // health check service does not log as an error. Unhealthy is kept for a start that failed.
        return Task.FromResult(readiness.ModelState == ModelState.Failed || readiness.IndexState == IndexState.Failed
            ? HealthCheckResult.Unhealthy(missing, data: data)
            : HealthCheckResult.Degraded(missing, data: data));
    }
}
