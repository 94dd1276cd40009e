using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;
using RagAssistant.Testing.Files;

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
        await factory.WaitUntilReadyAsync(client);

        var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");

        Assert.Equal("missing", model.GetProperty("chatModelState").GetString());
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
        Assert.Contains(notices, n => n.Contains(download.GetProperty("command").GetString()!, StringComparison.Ordinal) && n.Contains("then restart", StringComparison.Ordinal));
        Assert.DoesNotContain(notices, n => n.Contains("dotnet run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retrieval_only_mode_has_no_chat_model_and_no_download()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Assistant:RetrievalOnly"] = "true" });
        using var client = factory.CreateClient();
        await factory.WaitUntilReadyAsync(client);

        var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");

        Assert.Equal("off", model.GetProperty("chatModelState").GetString());
        Assert.Equal(JsonValueKind.Null, model.GetProperty("chatModel").ValueKind);
        Assert.Equal(JsonValueKind.Null, model.GetProperty("chatModelDownload").ValueKind);
    }
}
