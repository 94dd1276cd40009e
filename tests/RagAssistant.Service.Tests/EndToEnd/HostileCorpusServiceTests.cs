using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// The real service on what a hostile or broken folder holds: link loops, a link out of the corpus, file names with
/// escape sequences and line breaks, cache files whose checksum holds but whose vectors make no sense, and a cache
/// folder that cannot be written.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HostileCorpusServiceTests : IDisposable
{
    private const string Drafting = "# Speculative decoding with draft models\n\nA small draft model proposes several tokens that the large model verifies in one parallel pass, which speeds up inference.\n";

    private readonly TempFolder folder = new();
    private readonly TempFolder outside = new();

    public void Dispose()
    {
        folder.Dispose();
        outside.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Link_loops_cost_nothing_an_outside_link_is_reported_once_and_hostile_file_names_forge_no_log_line()
    {
        ServiceProcess.SkipWithoutBuild();
        var corpus = Directory.CreateDirectory(Path.Combine(folder.Path, "corpus")).FullName;
        await File.WriteAllTextAsync(Path.Combine(corpus, "drafting.md"), Drafting, Ct);
        outside.Write("private.md", "# Private notes\n\nThe user's diary, outside the corpus folder.\n");
        Directory.CreateSymbolicLink(Path.Combine(corpus, "l1"), ".");
        Directory.CreateSymbolicLink(Path.Combine(corpus, "l2"), ".");
        Directory.CreateSymbolicLink(Path.Combine(corpus, "etc"), outside.Path);

        // Not valid UTF-8, so the loader warns, naming the file: the name reaches the log.
        var hostileName = "evil\u001b[31m\u001b]0;pwned\u0007\nfail: Forged log line\u009b2J.txt";
        await File.WriteAllBytesAsync(Path.Combine(corpus, hostileName), Encoding.Latin1.GetBytes("# Na\u00efve Bayes\n\nNa\u00efve r\u00e9sum\u00e9 screening.\n"), Ct);

        await using var service = ServiceProcess.Start("--retrieval-only", "--corpus", corpus, "--EmbeddingModel:Provider=None", $"--Corpus:CacheFolder={Path.Combine(folder.Path, "cache")}");
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), Ct);
        using var client = new HttpClient { BaseAddress = service.Address };
        var status = await StatusAsync(client);

        Assert.Equal(2, status.GetProperty("index").GetProperty("papers").GetInt32());
        var warnings = Warnings(status);
        Assert.Single(warnings, w => w.StartsWith("etc: links to ", StringComparison.Ordinal) && w.Contains("outside the corpus folder", StringComparison.Ordinal));
        Assert.Single(warnings, w => w.Contains("is not valid UTF-8", StringComparison.Ordinal));
        using var search = await client.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new { query = "private notes diary" }, Ct);
        var hits = JsonDocument.Parse(await search.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("hits");
        Assert.DoesNotContain(hits.EnumerateArray(), h => h.GetProperty("title").GetString() == "Private notes");

        var log = service.Output;
        Assert.DoesNotContain('\u001b', log);
        Assert.DoesNotContain('\u009b', log);
        Assert.DoesNotContain(log.Split('\n'), line => line.StartsWith("fail: Forged", StringComparison.Ordinal));
        Assert.Contains("evil\\u001b[31m\\u001b]0;pwned\\u0007\\nfail: Forged log line\\u009b2J.txt", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("one dimension")]
    public async Task A_cache_file_with_a_valid_checksum_but_senseless_vectors_is_warned_re_embedded_and_answers_work(string damage)
    {
        ServiceProcess.SkipWithoutBuild();
        var corpus = SmallCorpus();
        var cacheFolder = Path.Combine(folder.Path, "cache");
        // One embedder, one cache file: the second dense retriever's cache is loaded and checked by the same code.
        string[] arguments = ["--retrieval-only", "--corpus", corpus, $"--Corpus:CacheFolder={cacheFolder}", "--Service:WatchCorpus=false", "--Retrieval:SecondDenseWeight=0"];

        // A real cache from the bundled embedder first, then made senseless by hand, its checksum recomputed.
        await using (var first = ServiceProcess.Start(arguments))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
            using var client = new HttpClient { BaseAddress = first.Address };
            await WaitForEmbeddingAsync(client);
        }

        var cacheFile = Assert.Single(Directory.GetFiles(cacheFolder, "embeddings-*.bin"));
        RewriteCache(cacheFile, damage == "nan"
            ? (i, vector) => i == 0 ? [.. vector.Take(5), float.NaN, .. vector.Skip(6)] : vector
            : (_, vector) => [vector[0]]);

        await using var service = ServiceProcess.Start(arguments);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var http = new HttpClient { BaseAddress = service.Address };
        var embedding = await WaitForEmbeddingAsync(http);
        var status = await StatusAsync(http);

        // All 40 passages embedded again (and their sentences, for the evidence check, counted in the same progress).
        Assert.Equal(embedding.GetProperty("total").GetInt32(), embedding.GetProperty("done").GetInt32());
        Assert.True(embedding.GetProperty("done").GetInt32() >= 40, embedding.ToString());
        var expected = damage == "nan" ? "holds a non-finite value (NaN)" : "holds a vector of 1 dimensions, where the embedding model makes 384";
        Assert.Single(Warnings(status), w => w.Contains($"embedding cache discarded ({expected}); its passages are embedded again", StringComparison.Ordinal));
        Assert.Equal(0, status.GetProperty("index").GetProperty("from_cache").GetInt32());

        using var ask = await http.PostStreamingAsync("/api/ask", new { question = "How do draft models speed up inference?" }, Ct, accept: "application/json");
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        using var search = await http.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new { query = "how do draft models make generation faster?" }, Ct);
        var hits = JsonDocument.Parse(await search.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("hybrid", hits.GetProperty("mode").GetString());
        Assert.Equal("Speculative Decoding with Draft Models", hits.GetProperty("hits")[0].GetProperty("title").GetString());

        // Re-embedded and saved: the next start takes every vector from the cache.
        var reloaded = Assert.Single(Directory.GetFiles(cacheFolder, "embeddings-*.bin"));
        // Every passage (40) is in it; the sentences embedded after them for the evidence check may be too.
        var entries = CountEntries(reloaded);
        Assert.True(entries is >= 40 and <= 80, $"{entries} entries");
    }

    [Fact]
    public async Task A_cache_that_cannot_be_saved_is_one_status_warning_and_one_log_line()
    {
        ServiceProcess.SkipWithoutBuild();
        var corpus = SmallCorpus();

        // A file where the cache folder should be: no user, root included, can save there.
        var blocked = folder.Write("cache-is-a-file", "not a folder");
        await using var service = ServiceProcess.Start("--retrieval-only", "--corpus", corpus, $"--Corpus:CacheFolder={blocked}", "--Service:WatchCorpus=false", "--Retrieval:EmbeddingCacheSaveInterval=00:00:00");
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = service.Address };
        await WaitForEmbeddingAsync(client);
        var status = await StatusAsync(client);

        // Found when the build starts, not at the first save: what is wrong, and what to do.
        var warning = Assert.Single(Warnings(status), w => w.Contains("embedding cache folder is a file, not a folder", StringComparison.Ordinal));
        Assert.Contains("Set Corpus:CacheFolder to a writable folder", warning, StringComparison.Ordinal);
        Assert.Single(service.Output.Split('\n'), line => line.Contains("Embedding cache folder", StringComparison.Ordinal));
        Assert.DoesNotContain("could not be saved", service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_one_line_text_file_of_thousands_of_passages_is_indexed_and_named_in_the_status_and_the_log()
    {
        ServiceProcess.SkipWithoutBuild();
        var corpus = Directory.CreateDirectory(Path.Combine(folder.Path, "corpus")).FullName;
        await File.WriteAllTextAsync(Path.Combine(corpus, "drafting.md"), Drafting, Ct);
        // About 1 MB on one line: past the default Corpus:LargeDocumentPassages (1,000).
        await File.WriteAllTextAsync(Path.Combine(corpus, "dump.txt"), string.Join(' ', Enumerable.Range(0, 150_000).Select(i => $"w{i}")), Ct);

        await using var service = ServiceProcess.Start("--retrieval-only", "--corpus", corpus, "--EmbeddingModel:Provider=None", $"--Corpus:CacheFolder={Path.Combine(folder.Path, "cache")}");
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), Ct);
        using var client = new HttpClient { BaseAddress = service.Address };
        var status = await StatusAsync(client);

        Assert.Equal(2, status.GetProperty("index").GetProperty("papers").GetInt32());
        var warning = Assert.Single(Warnings(status), w => w.StartsWith("dump.txt: is one document of ", StringComparison.Ordinal));
        Assert.Matches(@"of \d,\d{3} passages, more than Corpus:LargeDocumentPassages \(1,000\); indexed whole", warning);
        Assert.Contains("dump.txt: is one document of ", service.Output, StringComparison.Ordinal);
    }

    private string SmallCorpus()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(folder.Path, "corpus"));
        File.WriteAllLines(Path.Combine(corpus.FullName, "papers.jsonl"), Enumerable.Range(1, 40).Select(i => JsonSerializer.Serialize(new
        {
            title = i == 7 ? "Speculative Decoding with Draft Models" : $"Paper number {i} on topic {i % 5}",
            @abstract = i == 7
                ? "A small draft model proposes several tokens that the large model verifies in one parallel pass, speeding up inference."
                : $"This paper studies question {i} of area {i % 5} and reports results on benchmark {i}.",
        })));
        return corpus.FullName;
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;

    private static List<string> Warnings(JsonElement status) =>
        [.. status.GetProperty("index").GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)];

    private static async Task<JsonElement> WaitForEmbeddingAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var embedding = (await StatusAsync(client)).GetProperty("embedding");
            var state = embedding.GetProperty("state").GetString();
            if (state is "ready" or "failed" || DateTime.UtcNow > deadline)
            {
                Assert.Equal("ready", state);
                return embedding;
            }

            await Task.Delay(100, Ct);
        }
    }

    // The cache format (EmbeddingCache): magic, version, model identity, dimensions, count, then per entry a 32-byte
    // SHA-256 key and the vector, then a SHA-256 of all that. Rewritten with changed vectors and a valid checksum.
    private static void RewriteCache(string path, Func<int, float[], float[]> change)
    {
        var bytes = File.ReadAllBytes(path);
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32), Encoding.UTF8);
        var (magic, version, identity, dimensions, count) = (reader.ReadUInt32(), reader.ReadInt32(), reader.ReadString(), reader.ReadInt32(), reader.ReadInt32());
        var entries = Enumerable.Range(0, count)
            .Select(i => (Key: reader.ReadBytes(32), Vector: change(i, [.. Enumerable.Range(0, dimensions).Select(_ => reader.ReadSingle())])))
            .ToList();

        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(magic);
            writer.Write(version);
            writer.Write(identity);
            writer.Write(entries[0].Vector.Length);
            writer.Write(count);
            foreach (var (key, vector) in entries)
            {
                writer.Write(key);
                foreach (var value in vector)
                {
                    writer.Write(value);
                }
            }
        }

        File.WriteAllBytes(path, [.. body.ToArray(), .. SHA256.HashData(body.ToArray())]);
    }

    private static int CountEntries(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        _ = (reader.ReadUInt32(), reader.ReadInt32(), reader.ReadString(), reader.ReadInt32());
        return reader.ReadInt32();
    }
}
