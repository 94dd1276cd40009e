using RagAssistant.Hosting.Startup;
using RagAssistant.Service.Api;

namespace RagAssistant.Service.Tests.Api;

public sealed class NotReadyWordingTests
{
    [Theory]
    [InlineData(NotReadyCause.ModelsFailed, "Loading the models failed: bad.gguf is truncated.", "restart the service")]
    [InlineData(NotReadyCause.ModelsLoading, "The models are still loading.", "poll /health/ready")]
    [InlineData(NotReadyCause.IndexFailed, "Indexing the corpus failed: bad.gguf is truncated.", "re-indexes when files change")]
    [InlineData(NotReadyCause.IndexBuilding, "The corpus is still being indexed.", "poll /health/ready")]
    public void Each_reason_says_what_is_not_ready_and_what_to_do(NotReadyCause cause, string what, string todo)
    {
        var error = cause is NotReadyCause.ModelsFailed or NotReadyCause.IndexFailed ? "bad.gguf is truncated." : null;

        var words = NotReadyWording.Describe(new NotReadyReason(cause, error));

        Assert.StartsWith(what, words, StringComparison.Ordinal);
        Assert.Contains(todo, words, StringComparison.Ordinal);
    }
}
