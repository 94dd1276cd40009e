using Microsoft.Extensions.Diagnostics.HealthChecks;
using RagAssistant.Core.Retrieval;
using RagAssistant.Service.Api;

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

        if (readiness.NotReady() is not { } notReady)
        {
            var description = data.TryGetValue("hybrid", out var hybrid) && Equals(hybrid, "pending")
                ? "Index built (BM25) and models loaded; hybrid search is pending while the passages are embedded."
                : "Index built and models loaded.";
            return Task.FromResult(HealthCheckResult.Healthy(description, data));
        }

        // Still starting is normal, not a failure: Degraded (503 all the same, see StartingStatusCode), which the
        // health check service does not log as an error. Unhealthy is kept for a start that failed.
        var why = NotReadyWording.Describe(notReady);
        return Task.FromResult(notReady.IsFailure
            ? HealthCheckResult.Unhealthy(why, data: data)
            : HealthCheckResult.Degraded(why, data: data));
    }
}
