using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Core.Retrieval;
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

        Assert.Equal("missing", model.GetProperty("chat_model_state").GetString());
        Assert.False(model.TryGetProperty("state", out _), "a second model state said \"loaded\" next to \"missing\"");
        Assert.False(model.TryGetProperty("error", out _), "error is left out when empty");
        // The configured file is named as missing, never as the model: nothing is loaded, so no context or threads either.
        Assert.False(model.TryGetProperty("chat_model", out _), "a missing file was reported as the chat model");
        Assert.Equal(configured, model.GetProperty("missing_chat_model").GetString());
        Assert.False(model.TryGetProperty("context_size", out _), "context_size is left out without a loaded chat model");
        Assert.False(model.TryGetProperty("threads", out _), "threads is left out without a loaded chat model");
        Assert.True(model.GetProperty("retrieval_only").GetBoolean());

        // The default chat model of models/models.json, saved where this service loads it from.
        var download = model.GetProperty("chat_model_download");
        var url = download.GetProperty("url").GetString()!;
        Assert.Equal("chat", download.GetProperty("role").GetString());
        Assert.Equal(configured, download.GetProperty("path").GetString());
        Assert.StartsWith("https://", url, StringComparison.Ordinal);
        Assert.Equal($"curl -L --create-dirs -o {configured} {url}", download.GetProperty("command").GetString());

        // No console command in the notices: a service user may have no source checkout.
        var notices = model.GetProperty("notices").EnumerateArray().Select(n => n.GetString()!).ToList();
        // The endpoint needs no restart; the manual download and the model server do: each is said of its own way.
        var notice = Assert.Single(notices, n => n.Contains(download.GetProperty("command").GetString()!, StringComparison.Ordinal));
        Assert.Contains($"Send POST /api/models/chat/download with the JSON body {{}} to download and load it without a restart. Or download it with `{download.GetProperty("command").GetString()}`, or set ChatModel:Provider to OpenAICompatible to use a model server; then restart.", notice, StringComparison.Ordinal);
        Assert.Equal("/api/models/chat/download", download.GetProperty("endpoint").GetString());
        Assert.DoesNotContain(notices, n => n.Contains("dotnet run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_chat_model_file_that_is_no_model_is_reported_with_a_fix_in_the_services_words_not_a_console_command()
    {
        using var folder = new TempFolder();
        var configured = folder.Write("models/chat.gguf", "this is not a model\n");
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["ChatModel:ModelPath"] = configured });
        using var client = factory.CreateClient();

        string? error = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); error is null && DateTime.UtcNow < deadline; await Task.Delay(20, Ct))
        {
            var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");
            error = model.TryGetProperty("error", out var value) ? value.GetString() : null;
        }

        Assert.NotNull(error);
        Assert.Contains($"Model file '{configured}' is not a GGUF file", error, StringComparison.Ordinal);
        Assert.Contains("download the default chat model named in models/models.json again and save it at that path, or point --model / ChatModel:ModelPath at another .gguf file", error, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet", error, StringComparison.Ordinal);
    }

    [Trait("Category", "EndToEnd")]
    [Fact]
    public async Task Post_download_fetches_the_offered_chat_model_and_loads_it_without_a_restart()
    {
        var content = await File.ReadAllBytesAsync(TestPaths.Stories, Ct);
        using var folder = new TempFolder();
        await using var server = await ModelFileServer.StartAsync(content, Ct);
        var configured = Path.Combine(folder.Path, "models", "tiny-chat.gguf");
        await using var factory = await OfferingServiceAsync(folder, server, content.Length);
        using var client = factory.CreateClient();

        var model = await DownloadAsync(client);

        // One story: the chat model is loaded from where it was saved, answers are generated, nothing is offered.
        Assert.Equal("loaded", model.GetProperty("chat_model_state").GetString());
        Assert.False(model.GetProperty("retrieval_only").GetBoolean());
        Assert.Equal(configured, model.GetProperty("chat_model").GetString());
        Assert.False(model.TryGetProperty("missing_chat_model", out _), "missing_chat_model is left out when empty");
        Assert.False(model.TryGetProperty("chat_model_download", out _), "chat_model_download is left out when empty");
        Assert.True(model.GetProperty("context_size").GetInt32() > 0);
        Assert.DoesNotContain(model.GetProperty("notices").EnumerateArray(), n => n.GetString()!.Contains("not downloaded", StringComparison.Ordinal));
        Assert.Equal(content, await File.ReadAllBytesAsync(configured, Ct));

        using var again = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), JsonContent.Create(new { }), Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("the chat model is Loaded", await again.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_downloaded_file_that_does_not_load_fails_with_the_reason_and_answers_stay_retrieval_only()
    {
        using var folder = new TempFolder();
        var content = GgufFile(300_000);
        await using var server = await ModelFileServer.StartAsync(content, Ct);
        var configured = Path.Combine(folder.Path, "models", "tiny-chat.gguf");
        await using var factory = await OfferingServiceAsync(folder, server, content.Length);
        using var client = factory.CreateClient();

        var model = await DownloadAsync(client);

        var progress = model.GetProperty("chat_model_download").GetProperty("progress");
        Assert.Equal("failed", progress.GetProperty("state").GetString());
        Assert.Equal(configured, progress.GetProperty("path").GetString());
        Assert.Equal(content.Length, progress.GetProperty("bytes_received").GetInt64());
        var error = progress.GetProperty("error").GetString();
        Assert.Contains($"tiny-chat was downloaded to {configured} but does not load", error, StringComparison.Ordinal);
        Assert.Contains("answers stay retrieval-only", error, StringComparison.Ordinal);
        Assert.Equal("missing", model.GetProperty("chat_model_state").GetString());
        Assert.False(model.TryGetProperty("error", out _), "error is left out when empty");
        Assert.True(model.GetProperty("retrieval_only").GetBoolean());
        Assert.Equal(content, await File.ReadAllBytesAsync(configured, Ct));
    }

    [Fact]
    public async Task A_failed_background_download_says_how_to_resume_it_through_the_service_not_the_console()
    {
        using var folder = new TempFolder();
        await using var server = await ModelFileServer.StartAsync(content: null, Ct);
        await using var factory = await OfferingServiceAsync(folder, server, 300_000, ("Models:DownloadAttempts", "1"));
        using var client = factory.CreateClient();

        var progress = (await DownloadAsync(client)).GetProperty("chat_model_download").GetProperty("progress");

        Assert.Equal("failed", progress.GetProperty("state").GetString());
        var error = progress.GetProperty("error").GetString();
        Assert.Contains("the next POST /api/models/chat/download starts from the beginning", error, StringComparison.Ordinal);
        Assert.DoesNotContain(".part", error, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet run", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmbeddingState.Queued, "queued")]
    [InlineData(EmbeddingState.Running, "running")]
    [InlineData(EmbeddingState.Ready, "ready")]
    [InlineData(EmbeddingState.None, "none")]
    public async Task The_second_dense_retriever_reads_queued_until_its_own_passages_are_being_embedded(EmbeddingState secondDense, string expected)
    {
        await using var factory = new ServiceFactory();
        factory.Index.Embedding = new EmbeddingProgress(EmbeddingState.Ready, 10, 10, 3.5, TimeSpan.Zero, null) { SentencesDone = 64, SentencesTotal = 2674, SecondDense = secondDense };
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var embedding = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("embedding");

        Assert.Equal(expected, embedding.GetProperty("second_dense").GetString());
    }

    [Theory]
    [InlineData(EmbeddingState.Running, 5, 0, "running", "running")]
    [InlineData(EmbeddingState.Ready, 64, 2674, "ready", "running")]
    [InlineData(EmbeddingState.Ready, 2674, 2674, "ready", "ready")]
    [InlineData(EmbeddingState.Failed, 0, 0, "failed", "failed")]
    [InlineData(EmbeddingState.None, 0, 0, "none", "none")]
    public async Task Sentences_still_being_embedded_after_the_passages_have_their_own_running_state(EmbeddingState passages, int sentencesDone, int sentencesTotal, string expectedPassages, string expectedSentences)
    {
        await using var factory = new ServiceFactory();
        factory.Index.Embedding = new EmbeddingProgress(passages, 10, 10, 3.5, passages == EmbeddingState.Running ? TimeSpan.FromSeconds(2) : TimeSpan.Zero, passages == EmbeddingState.Failed ? "disk full" : null)
        {
            SentencesDone = sentencesDone,
            SentencesTotal = sentencesTotal,
            SentencesEta = TimeSpan.FromSeconds(12.34),
        };
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var embedding = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("embedding");

        // state and eta_seconds stay the passages' (ready: hybrid search runs); the sentences say whether they are still going.
        Assert.Equal(expectedPassages, embedding.GetProperty("state").GetString());
        var sentences = embedding.GetProperty("sentences");
        Assert.Equal(expectedSentences, sentences.GetProperty("state").GetString());
        Assert.Equal(sentencesDone, sentences.GetProperty("done").GetInt32());
        Assert.Equal(sentencesTotal, sentences.GetProperty("total").GetInt32());
        Assert.False(embedding.TryGetProperty("sentences_done", out _), "the sentences' counts are given once, under sentences");

        // The sentences' own time left is given only while they are the ones still running after ready passages.
        var running = expectedPassages == "ready" && expectedSentences == "running";
        Assert.Equal(running, sentences.TryGetProperty("eta_seconds", out var eta) && eta.ValueKind == JsonValueKind.Number);
        if (running)
        {
            Assert.Equal(12.3, eta.GetDouble());
        }
    }

    [Fact]
    public async Task Retrieval_only_mode_has_no_chat_model_and_no_download()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Assistant:RetrievalOnly"] = "true" });
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");

        Assert.Equal("off", model.GetProperty("chat_model_state").GetString());
        Assert.False(model.TryGetProperty("chat_model", out _), "chat_model is left out when empty");
        Assert.False(model.TryGetProperty("missing_chat_model", out _), "missing_chat_model is left out when empty");
        Assert.False(model.TryGetProperty("context_size", out _), "context_size is left out without a loaded chat model");
        Assert.False(model.TryGetProperty("threads", out _), "threads is left out without a loaded chat model");
        Assert.False(model.TryGetProperty("chat_model_download", out _), "chat_model_download is left out when empty");
        using var download = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), JsonContent.Create(new { }), Ct);
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
    }

    [Fact]
    public async Task The_download_endpoint_needs_the_api_key_like_the_rest_of_the_api()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Service:ApiKey"] = "0123456789abcdef0123456789abcdef" });
        using var client = factory.CreateClient();

        using var anonymous = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), JsonContent.Create(new { }), Ct);

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
    private static async Task<ServiceFactory> OfferingServiceAsync(TempFolder folder, ModelFileServer server, int size, params (string Key, string Value)[] settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ChatModel:ModelPath"] = Path.Combine(folder.Path, "models", "tiny-chat.gguf"),
            ["Models:ManifestPath"] = await server.WriteManifestAsync(folder.Path, size, Ct),
            ["Models:Folder"] = Path.Combine(folder.Path, "models"),
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return new ServiceFactory(configuration);
    }

    // Starts the offered download and polls /api/status until it is no longer running; returns the status's model.
    // A loaded download leaves no offer behind (chatModelDownload is null): that ends the wait too.
    private static async Task<JsonElement> DownloadAsync(HttpClient client)
    {
        await client.WaitUntilReadyAsync();
        using (var started = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), JsonContent.Create(new { }), Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        JsonElement model = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");
            if (!model.TryGetProperty("chat_model_download", out var offer) || offer.GetProperty("progress").GetProperty("state").GetString() != "running")
            {
                break;
            }

            await Task.Delay(20, Ct);
        }

        return model;
    }
}
