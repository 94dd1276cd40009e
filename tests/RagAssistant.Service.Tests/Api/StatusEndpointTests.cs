using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RagAssistant.Service.Tests.Infrastructure;
using RagAssistant.Testing.Files;
using RagAssistant.Testing.Gguf;

namespace RagAssistant.Service.Tests.Api;

/// <summary><c>GET /api/status</c> as the shared start-up publishes it.</summary>
public sealed class StatusEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_configured_chat_model_that_is_not_downloaded_is_missing_with_a_download_command_a_service_user_can_run()
    {
        using var folder = new TempFolder();
        var configured = Path.Combine(folder.Path, "models", "chat.gguf");
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["ChatModel:ModelPath"] = configured });
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");

        Assert.Equal("missing", model.GetProperty("chatModelState").GetString());
        Assert.False(model.TryGetProperty("state", out _), "a second model state said \"loaded\" next to \"missing\"");
        Assert.Equal(JsonValueKind.Null, model.GetProperty("error").ValueKind);
        Assert.Equal(configured, model.GetProperty("chatModel").GetString());
        Assert.True(model.GetProperty("retrievalOnly").GetBoolean());

        // The default chat model of models/models.json, saved where this service loads it from.
        var download = model.GetProperty("chatModelDownload");
        var url = download.GetProperty("url").GetString()!;
        Assert.Equal("chat", download.GetProperty("role").GetString());
        Assert.Equal(configured, download.GetProperty("path").GetString());
        Assert.StartsWith("https://", url, StringComparison.Ordinal);
        Assert.Equal($"curl -L --create-dirs -o {configured} {url}", download.GetProperty("command").GetString());

        // No console command in the notices: a service user may have no source checkout.
        var notices = model.GetProperty("notices").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notices, n => n.Contains(download.GetProperty("command").GetString()!, StringComparison.Ordinal)
            && n.Contains("or POST /api/models/chat/download", StringComparison.Ordinal) && n.Contains("then restart", StringComparison.Ordinal));
        Assert.Equal("/api/models/chat/download", download.GetProperty("endpoint").GetString());
        Assert.DoesNotContain(notices, n => n.Contains("dotnet run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_download_fetches_the_offered_chat_model_in_the_background_with_progress_in_status()
    {
        using var folder = new TempFolder();
        var content = GgufFile(300_000);
        await using var server = await ServeAsync(content);
        var configured = Path.Combine(folder.Path, "models", "tiny-chat.gguf");
        await using var factory = await OfferingServiceAsync(folder, server, content.Length);
        using var client = factory.CreateClient();

        var progress = await DownloadAsync(client);

        Assert.Equal("completed", progress.GetProperty("state").GetString());
        Assert.Equal(configured, progress.GetProperty("path").GetString());
        Assert.Equal(content.Length, progress.GetProperty("bytesReceived").GetInt64());
        Assert.Equal(content, await File.ReadAllBytesAsync(configured, Ct));

        // Done once: the next start loads it; asking again says so.
        using var again = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("restart the service", await again.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_background_download_says_how_to_resume_it_through_the_service_not_the_console()
    {
        using var folder = new TempFolder();
        await using var server = await ServeAsync(content: null);
        await using var factory = await OfferingServiceAsync(folder, server, 300_000, ("Models:DownloadAttempts", "1"));
        using var client = factory.CreateClient();

        var progress = await DownloadAsync(client);

        Assert.Equal("failed", progress.GetProperty("state").GetString());
        var error = progress.GetProperty("error").GetString();
        Assert.Contains("the next POST /api/models/chat/download starts from the beginning", error, StringComparison.Ordinal);
        Assert.DoesNotContain(".part", error, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet run", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrieval_only_mode_has_no_chat_model_and_no_download()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Assistant:RetrievalOnly"] = "true" });
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");

        Assert.Equal("off", model.GetProperty("chatModelState").GetString());
        Assert.Equal(JsonValueKind.Null, model.GetProperty("chatModel").ValueKind);
        Assert.Equal(JsonValueKind.Null, model.GetProperty("chatModelDownload").ValueKind);
        using var download = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
    }

    [Fact]
    public async Task The_download_endpoint_needs_the_api_key_like_the_rest_of_the_api()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Service:ApiKey"] = "0123456789abcdef0123456789abcdef" });
        using var client = factory.CreateClient();

        using var anonymous = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    // A GGUF header the verifier accepts, padded with deterministic filler.
    private static byte[] GgufFile(int length)
    {
        using var stream = new MemoryStream();
        new GgufWriter().AddMetadata("general.architecture", "llama").AddMetadata("general.name", "test").WriteTo(stream);
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        stream.ToArray().CopyTo(bytes, 0);
        return bytes;
    }

    // The service over a manifest whose chat model is served by server and not downloaded yet.
    private static async Task<ServiceFactory> OfferingServiceAsync(TempFolder folder, WebApplication server, int size, params (string Key, string Value)[] settings)
    {
        var manifest = Path.Combine(folder.Path, "models.json");
        await File.WriteAllTextAsync(manifest, $$"""
            { "models": [ { "name": "tiny-chat", "role": "chat", "file": "tiny-chat.gguf", "url": "{{server.Urls.First()}}/tiny-chat.gguf",
                            "size_bytes": {{size}}, "sha256": null, "license": "MIT" } ] }
            """, Ct);
        var configuration = new Dictionary<string, string?>
        {
            ["ChatModel:ModelPath"] = Path.Combine(folder.Path, "models", "tiny-chat.gguf"),
            ["Models:ManifestPath"] = manifest,
            ["Models:Folder"] = Path.Combine(folder.Path, "models"),
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return new ServiceFactory(configuration);
    }

    // Starts the offered download and polls /api/status until it is no longer running.
    private static async Task<JsonElement> DownloadAsync(HttpClient client)
    {
        await client.WaitUntilReadyAsync();
        using (var started = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        JsonElement progress = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");
            progress = model.GetProperty("chatModelDownload").GetProperty("progress");
            if (progress.GetProperty("state").GetString() != "running")
            {
                break;
            }

            await Task.Delay(20, Ct);
        }

        return progress;
    }

    // A model host on loopback: the real HTTP path of the downloader. Without content it fails with 503.
    private static async Task<WebApplication> ServeAsync(byte[]? content)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/tiny-chat.gguf", () => content is null ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Bytes(content, "application/octet-stream"));
        await app.StartAsync(Ct);
        return app;
    }
}
