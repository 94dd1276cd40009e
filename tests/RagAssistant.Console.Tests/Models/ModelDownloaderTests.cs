using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.Startup;

namespace RagAssistant.Console.Tests.Models;

public sealed class ModelDownloaderTests : IDisposable
{
    private const int FileSize = 300_000;
    private readonly byte[] content = GgufTestFile.Create(FileSize);
    private readonly LoopbackModelServer server;
    private readonly TempFolder folder = new();
    private readonly HttpClient httpClient = new();

    public ModelDownloaderTests()
    {
        server = new LoopbackModelServer(content);
    }

    public void Dispose()
    {
        server.Dispose();
        httpClient.Dispose();
        folder.Dispose();
    }

    [Fact]
    public async Task Downloads_verifies_and_renames_into_place()
    {
        var reports = new List<DownloadProgress>();
        var model = Entry(size: FileSize, sha256: GgufTestFile.Sha256(content));

        var result = await Downloader().DownloadAsync(model, folder.Path, new InlineRecorder(reports), TestContext.Current.CancellationToken);

        var target = Path.Combine(folder.Path, model.File);
        Assert.Equal(target, result.Path);
        Assert.Equal(content, await File.ReadAllBytesAsync(target, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(target + ModelDownloader.PartialSuffix));
        Assert.True(result.Verification.IsValid);
        Assert.Equal(3u, result.Verification.Gguf!.Version);
        Assert.Equal(0, result.ResumedFromBytes);
        Assert.Equal(1, result.Attempts);
        var last = reports[^1];
        Assert.Equal(FileSize, last.BytesReceived);
        Assert.Equal(FileSize, last.TotalBytes);
        Assert.True(last.BytesPerSecond > 0);
    }

    [Fact]
    public async Task Resumes_with_a_range_request_after_the_connection_is_cut()
    {
        server.CutAfterBytes = 100_000;
        server.CutRequests = 1;
        var model = Entry(size: null, sha256: GgufTestFile.Sha256(content));

        var result = await Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Attempts);
        Assert.Equal(content, await File.ReadAllBytesAsync(result.Path, TestContext.Current.CancellationToken));
        var ranges = server.Ranges.ToArray();
        Assert.Equal(string.Empty, ranges[0]);
        Assert.Matches(@"^bytes=\d+-$", ranges[1]);
        Assert.True(long.Parse(ranges[1][6..^1], System.Globalization.CultureInfo.InvariantCulture) > 0, "the retry should resume, not restart");
    }

    [Fact]
    public async Task Resumes_a_partial_file_left_by_an_earlier_run()
    {
        var model = Entry(size: FileSize, sha256: null);
        var partial = Path.Combine(folder.Path, model.File + ModelDownloader.PartialSuffix);
        await File.WriteAllBytesAsync(partial, content.AsSpan(0, 123_456).ToArray(), TestContext.Current.CancellationToken);

        var result = await Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken);

        Assert.Equal(123_456, result.ResumedFromBytes);
        Assert.Equal("bytes=123456-", Assert.Single(server.Ranges));
        Assert.Equal(content, await File.ReadAllBytesAsync(result.Path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Starts_over_when_the_server_ignores_the_range()
    {
        server.IgnoreRange = true;
        var model = Entry(size: FileSize, sha256: GgufTestFile.Sha256(content));
        var partial = Path.Combine(folder.Path, model.File + ModelDownloader.PartialSuffix);
        await File.WriteAllBytesAsync(partial, new byte[5000], TestContext.Current.CancellationToken);

        var result = await Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken);

        Assert.Equal(content, await File.ReadAllBytesAsync(result.Path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Rejects_a_download_whose_sha256_does_not_match_and_deletes_it()
    {
        var model = Entry(size: FileSize, sha256: new string('0', 64));

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken));

        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public async Task Rejects_a_file_that_is_not_gguf()
    {
        server.Content = "<html>Rate limited</html>"u8.ToArray().Concat(new byte[100]).ToArray();
        var model = Entry(size: null, sha256: null);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken));

        Assert.Contains("not a GGUF file", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, model.File)));
    }

    [Fact]
    public async Task Rejects_a_size_that_differs_from_the_manifest_before_downloading()
    {
        var model = Entry(size: FileSize + 1, sha256: null);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken));

        Assert.Contains("models.json expects", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_a_missing_file_without_retrying()
    {
        server.FailWith = HttpStatusCode.NotFound;

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader().DownloadAsync(Entry(null, null), folder.Path, null, TestContext.Current.CancellationToken));

        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Reports_a_server_error_after_retrying()
    {
        server.FailWith = HttpStatusCode.InternalServerError;

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader().DownloadAsync(Entry(null, null), folder.Path, null, TestContext.Current.CancellationToken));

        Assert.Contains("500", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task Reports_an_unreachable_server_and_keeps_nothing_half_written()
    {
        var port = server.BaseUri.Port;
        server.Dispose();
        var model = Entry(null, null) with { Url = new Uri($"http://127.0.0.1:{port}/gone.gguf") };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken));

        Assert.Contains("models download", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, model.File)));
    }

    [Fact]
    public async Task A_host_that_does_not_resolve_fails_at_once_with_how_to_fetch_the_model_by_hand()
    {
        var reports = new List<DownloadProgress>();
        var model = Entry(null, null) with { Url = new Uri("http://nonexistent.invalid/model.gguf") };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader(attempts: 4).DownloadAsync(model, folder.Path, new InlineRecorder(reports), TestContext.Current.CancellationToken));

        Assert.StartsWith("cannot reach nonexistent.invalid (are you offline?)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"download http://nonexistent.invalid/model.gguf on a machine that is online and save it as {Path.Combine(folder.Path, model.File)}", error.Message, StringComparison.Ordinal);
        Assert.Contains("models download test-model", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(reports, r => r.Interruption is not null);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public async Task A_refused_connection_is_not_retried()
    {
        var port = server.BaseUri.Port;
        server.Dispose();
        var reports = new List<DownloadProgress>();
        var model = Entry(null, null) with { Url = new Uri($"http://127.0.0.1:{port}/gone.gguf") };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader(attempts: 4).DownloadAsync(model, folder.Path, new InlineRecorder(reports), TestContext.Current.CancellationToken));

        Assert.StartsWith("cannot reach 127.0.0.1 (are you offline?)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(reports, r => r.Interruption is not null);

        // Three retries would wait 200 + 400 + 600 ms between them.
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(1200), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task With_one_attempt_allowed_a_dropped_connection_is_not_retried_and_the_bytes_are_kept()
    {
        server.CutAfterBytes = 100_000;
        server.CutRequests = 1;
        var reports = new List<DownloadProgress>();
        var model = Entry(size: FileSize, sha256: null);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader(attempts: 1).DownloadAsync(model, folder.Path, new InlineRecorder(reports), TestContext.Current.CancellationToken));

        Assert.Contains("failed after 1 attempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("resumes from there", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(reports, r => r.Interruption is not null);
        Assert.True(new FileInfo(Path.Combine(folder.Path, model.File + ModelDownloader.PartialSuffix)).Length > 0);
    }

    [Fact]
    public async Task A_connection_dropped_mid_transfer_is_resumed_and_said_through_the_progress_sink()
    {
        server.CutAfterBytes = 100_000;
        server.CutRequests = 1;
        var reports = new List<DownloadProgress>();
        var model = Entry(size: FileSize, sha256: null);

        var result = await Downloader().DownloadAsync(model, folder.Path, new InlineRecorder(reports), TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Attempts);
        var interruption = Assert.Single(reports, r => r.Interruption is not null);
        Assert.Matches(@"^connection to 127\.0\.0\.1 dropped after [\d,]+ bytes \(.+\); resuming \(attempt 2 of 2\)$", interruption.Interruption);
        Assert.Equal(FileSize, interruption.TotalBytes);
    }

    [Fact]
    public async Task A_failed_download_says_how_to_resume_in_the_front_ends_words()
    {
        server.FailWith = HttpStatusCode.InternalServerError;

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader(new EndpointHint()).DownloadAsync(Entry(null, null), folder.Path, null, TestContext.Current.CancellationToken));

        Assert.Contains("the next POST /retry starts from the beginning", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_download_that_saved_nothing_names_no_partial_file()
    {
        server.FailWith = HttpStatusCode.InternalServerError;
        var model = Entry(null, null);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader().DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken));

        Assert.DoesNotContain(ModelDownloader.PartialSuffix, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bytes are kept", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was saved", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, model.File + ModelDownloader.PartialSuffix)));
    }

    [Fact]
    public async Task A_failed_download_that_saved_bytes_names_the_partial_file_it_resumes_from()
    {
        server.CutAfterBytes = 100_000;
        server.CutRequests = int.MaxValue;
        var model = Entry(size: FileSize, sha256: null);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => Downloader(new EndpointHint()).DownloadAsync(model, folder.Path, null, TestContext.Current.CancellationToken));

        var partial = Path.Combine(folder.Path, model.File + ModelDownloader.PartialSuffix);
        var kept = new FileInfo(partial).Length;
        Assert.True(kept >= 100_000, $"{kept} bytes kept");
        Assert.Contains($"{kept:N0} bytes are kept in {partial} and the next POST /retry resumes from there", error.Message, StringComparison.Ordinal);
    }

    private ModelDownloader Downloader(IModelDownloadHint? hint = null, int attempts = 2) => new(
        httpClient,
        Options.Create(new ModelsOptions { DownloadAttempts = attempts, StallTimeoutSeconds = 10 }),
        hint ?? new ConsoleDownloadHint(),
        NullLogger<ModelDownloader>.Instance);

    private sealed class EndpointHint : IModelDownloadHint
    {
        public string Describe(string role, string path, ModelEntry? model) => "fetch it";

        public string DescribeRetry(ModelEntry model) => "the next POST /retry";
    }

    private ModelEntry Entry(long? size, string? sha256) =>
        new("test-model", "chat", "test-model.gguf", server.FileUri, size, sha256, "MIT", "generated test file");

    private sealed class InlineRecorder(List<DownloadProgress> reports) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => reports.Add(value);
    }
}
