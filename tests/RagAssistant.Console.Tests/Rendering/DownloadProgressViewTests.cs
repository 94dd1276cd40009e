using RagAssistant.Console.Rendering;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Console.Tests.Rendering;

public sealed class DownloadProgressViewTests
{
    private static readonly ModelEntry Model = new(
        "qwen2.5-0.5b-instruct", "chat", "qwen.gguf", new Uri("https://huggingface.co/q.gguf"), null, null, "Apache-2.0", "test");

    [Fact]
    public void The_bar_starts_from_the_manifests_approximate_size_when_the_exact_one_is_not_pinned()
    {
        Assert.Equal(491_000_000L, DownloadProgressView.ExpectedBytes(Model with { ApproximateSizeMegabytes = 491 }));
        Assert.Equal(123L, DownloadProgressView.ExpectedBytes(Model with { SizeBytes = 123, ApproximateSizeMegabytes = 491 }));
        Assert.Null(DownloadProgressView.ExpectedBytes(Model));
    }
}
