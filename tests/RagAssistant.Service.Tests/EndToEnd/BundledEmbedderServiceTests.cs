using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>The real service with the default, bundled embedding model on a small corpus: ready on BM25 first, then hybrid.</summary>
[Trait("Category", "EndToEnd")]
public sealed class BundledEmbedderServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ready_at_once_then_embedding_progress_reaches_ready_and_search_turns_hybrid()
    {
        if (!File.Exists(ServiceProcess.ServiceAssembly))
        {
            Assert.Skip($"The service is not built at {ServiceProcess.ServiceAssembly}.");
        }

        var folder = new TempFolder();
        try
        {
            var corpus = Directory.CreateDirectory(Path.Combine(folder.Path, "corpus"));
            await File.WriteAllLinesAsync(Path.Combine(corpus.FullName, "papers.jsonl"), Enumerable.Range(1, 40).Select(i => JsonSerializer.Serialize(new
            {
                title = i == 7 ? "Speculative Decoding with Draft Models" : $"Paper number {i} on topic {i % 5}",
                @abstract = i == 7
                    ? "A small draft model proposes several tokens that the large model verifies in one parallel pass, speeding up inference."
                    : $"This paper studies question {i} of area {i % 5} and reports results on benchmark {i}.",
            })), Ct);
            await using var process = ServiceProcess.Start(
                "--retrieval-only",
                "--corpus", corpus.FullName,
                $"--Corpus:CacheFolder={Path.Combine(folder.Path, "cache")}",
                "--Service:WatchCorpus=false");
            await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
            using var client = new HttpClient { BaseAddress = process.Address };

            JsonElement embedding = default;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;
                embedding = status.GetProperty("embedding");
                Assert.Equal(40, embedding.GetProperty("total").GetInt32());
                if (embedding.GetProperty("state").GetString() == "ready")
                {
                    Assert.Contains("arctic-embed-xs", status.GetProperty("model").GetProperty("embedding_model").GetString(), StringComparison.Ordinal);

                    // One count of passages with a vector: the build's own, taken before the background embedding ended, was stale.
                    Assert.Equal(40, embedding.GetProperty("done").GetInt32());
                    Assert.False(status.GetProperty("index").TryGetProperty("embedded", out _), status.GetProperty("index").ToString());
                    break;
                }

                await Task.Delay(100, Ct);
            }

            Assert.Equal("ready", embedding.GetProperty("state").GetString());
            var ready = JsonDocument.Parse(await client.GetStringAsync(new Uri("/health/ready", UriKind.Relative), Ct)).RootElement;
            Assert.Equal("ready", ready.GetProperty("checks").GetProperty("assistant").GetProperty("data").GetProperty("hybrid").GetString());
            using var search = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new { question = "how do draft models make generation faster?" }, Ct);
            var result = JsonDocument.Parse(await search.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal("hybrid", result.GetProperty("mode").GetString());
            Assert.Equal("Speculative Decoding with Draft Models", result.GetProperty("hits")[0].GetProperty("title").GetString());

            // The second dense retriever joins once its passages are embedded (after the sentences); its rank shows then.
            string? secondDense = null;
            while (DateTime.UtcNow < deadline.AddSeconds(60) && (secondDense = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("embedding").GetProperty("second_dense").GetString()) != "ready")
            {
                await Task.Delay(100, Ct);
            }

            Assert.Equal("ready", secondDense);
            using var both = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new { question = "how do draft models make generation faster?" }, Ct);
            var top = JsonDocument.Parse(await both.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("hits")[0];
            Assert.Equal("Speculative Decoding with Draft Models", top.GetProperty("title").GetString());
            Assert.True(top.GetProperty("second_dense_rank").GetInt32() >= 1, top.ToString());
        }
        finally
        {
            folder.Dispose();
        }
    }
}
