using System.Net;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class HealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Live_answers_at_once_and_ready_only_after_the_index_is_built()
    {
        await using var factory = new ServiceFactory(indexReady: false);
        using var client = factory.CreateClient();

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using (var notReady = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            var report = JsonDocument.Parse(await notReady.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Contains("still being indexed", report.GetProperty("checks").GetProperty("assistant").GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        factory.Index.BuildGate.SetResult();
        await client.WaitUntilReadyAsync();
        Assert.Equal(1, factory.Index.Builds);
    }

    [Fact]
    public async Task Ready_once_bm25_is_with_hybrid_pending_and_status_reports_embedding_progress()
    {
        await using var factory = new ServiceFactory();
        factory.Index.Embedding = new RagAssistant.Core.Retrieval.EmbeddingProgress(RagAssistant.Core.Retrieval.EmbeddingState.Running, 120, 312, 35.5, TimeSpan.FromSeconds(5.4), null);
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using (var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var check = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("checks").GetProperty("assistant");
            Assert.Equal("pending", check.GetProperty("data").GetProperty("hybrid").GetString());
            Assert.Contains("hybrid search is pending", check.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;
        var embedding = status.GetProperty("embedding");
        Assert.Equal(("running", 120, 312, 5.4), (embedding.GetProperty("state").GetString(), embedding.GetProperty("done").GetInt32(), embedding.GetProperty("total").GetInt32(), embedding.GetProperty("eta_seconds").GetDouble()));
        Assert.False(status.GetProperty("index").GetProperty("dense_available").GetBoolean());

        factory.Index.Embedding = new RagAssistant.Core.Retrieval.EmbeddingProgress(RagAssistant.Core.Retrieval.EmbeddingState.Ready, 312, 312, 35.5, TimeSpan.Zero, null);
        status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;
        Assert.Equal("ready", status.GetProperty("embedding").GetProperty("state").GetString());
        Assert.True(status.GetProperty("index").GetProperty("dense_available").GetBoolean());
    }

    [Fact]
    public async Task A_failed_build_is_reported_and_does_not_stop_the_service()
    {
        await using var factory = new ServiceFactory();
        factory.Index.Failure = new IOException("corpus folder is unreadable");
        using var client = factory.CreateClient();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? description = null;
        while (DateTime.UtcNow < deadline && description?.Contains("failed", StringComparison.Ordinal) != true)
        {
            using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            description = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement
                .GetProperty("checks").GetProperty("assistant").GetProperty("description").GetString();
            await Task.Delay(20, Ct);
        }

        Assert.Contains("corpus folder is unreadable", description, StringComparison.Ordinal);
        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Changes_in_the_corpus_folder_trigger_an_incremental_reindex()
    {
        var folder = new TempFolder();
        try
        {
            await using var factory = new ServiceFactory(new Dictionary<string, string?>
            {
                ["Service:WatchCorpus"] = "true",
                ["Service:ReindexDelay"] = "00:00:00.050",
                ["Corpus:Folder"] = folder.Path,
            });
            using var client = factory.CreateClient();
            await client.WaitUntilReadyAsync();
            Assert.Equal(1, factory.Index.Builds);

            // Hidden files (caches) are not corpus content and must not trigger a rebuild loop.
            await File.WriteAllTextAsync(Path.Combine(folder.Path, ".index-cache"), "x", Ct);
            await Task.Delay(300, Ct);
            Assert.Equal(1, factory.Index.Builds);

            await File.WriteAllTextAsync(Path.Combine(folder.Path, "notes.md"), "# A new paper\n\nAbstract.", Ct);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (factory.Index.Builds < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, Ct);
            }

            Assert.True(factory.Index.Builds >= 2, "adding a file re-indexes the corpus");
        }
        finally
        {
            folder.Dispose();
        }
    }
}
