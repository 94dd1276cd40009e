using RagAssistant.Hosting.Startup;

namespace RagAssistant.Service.Api;

/// <summary>
/// The service's one wording of <see cref="NotReadyReason"/>, for the 503 of /api and /v1 and the description of
/// /health/ready: what is not ready and what to do about it.
/// </summary>
internal static class NotReadyWording
{
    /// <summary>The reason in words, ending with what to do.</summary>
    /// <param name="reason">Why the assistant cannot answer now.</param>
    /// <returns>One or two sentences.</returns>
    public static string Describe(NotReadyReason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return reason.Cause switch
        {
            // The models load once, so only a fixed file and a restart help.
            NotReadyCause.ModelsFailed => $"Loading the models failed: {reason.Error} Then restart the service.",
            NotReadyCause.ModelsLoading => "The models are still loading. Retry shortly, or poll /health/ready.",
            NotReadyCause.IndexFailed => $"Indexing the corpus failed: {reason.Error} Fix the corpus folder; the service re-indexes when files change.",
            _ => "The corpus is still being indexed. Retry shortly, or poll /health/ready.",
        };
    }
}
