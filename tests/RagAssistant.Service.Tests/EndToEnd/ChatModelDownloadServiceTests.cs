using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// The real process fetching its missing chat model through <c>POST /api/models/chat/download</c> (stories260K served
/// from loopback as the download URL) and answering with it as soon as it is loaded, without a restart.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ChatModelDownloadServiceTests
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answers_switch_from_retrieval_only_to_the_downloaded_model_without_a_restart()
    {
        if (!File.Exists(ServiceProcess.ServiceAssembly))
        {
            Assert.Skip($"The service is not built at {ServiceProcess.ServiceAssembly}.");
        }

        var content = await File.ReadAllBytesAsync(TestPaths.Stories, Ct);
        using var folder = new TempFolder();
        await using var server = await ModelFileServer.StartAsync(content, Ct);
        var manifest = await server.WriteManifestAsync(folder.Path, content.Length, Ct);
        var target = Path.Combine(folder.Path, "models", "tiny-chat.gguf");
        await using var process = ServiceProcess.Start(
            "--corpus", TestPaths.ShippedCorpus,
            "--EmbeddingModel:Provider=None",
            "--Service:WatchCorpus=false",
            "--ChatModel:MaxTokens=16",

            // The answer's own limit: the pipeline passes it to the model, so without it the answer runs to 512
            // tokens, which took close to the client's minute on a loaded two-core machine.
            "--Answering:MaxAnswerTokens=16",
            $"--ChatModel:ModelPath={target}",
            $"--Models:ManifestPath={manifest}",
            $"--Models:Folder={Path.Combine(folder.Path, "models")}");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(60) };

        var before = await AskAsync(client);
        Assert.Equal("retrieval-only", before.GetProperty("mode").GetString());

        using (var started = await client.PostAsync(new Uri("/api/models/chat/download", UriKind.Relative), JsonContent.Create(new { }), Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        var model = await WaitForChatModelAsync(client, process);
        Assert.Equal("loaded", model.GetProperty("chat_model_state").GetString());
        Assert.False(model.GetProperty("retrieval_only").GetBoolean());

        var after = await AskAsync(client);
        Assert.Equal("generated", after.GetProperty("mode").GetString());
        Assert.True(after.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0, after.ToString());
        Assert.Equal(content, await File.ReadAllBytesAsync(target, Ct));
    }

    private static async Task<JsonElement> AskAsync(HttpClient client)
    {
        using var response = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct, accept: "application/json");
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    // Polls /api/status until the chat model is no longer missing, or the download failed (then fails with its error).
    private static async Task<JsonElement> WaitForChatModelAsync(HttpClient client, ServiceProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var model = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("model");
            if (model.GetProperty("chat_model_state").GetString() != "missing")
            {
                return model;
            }

            var progress = model.GetProperty("chat_model_download").GetProperty("progress");
            Assert.True(progress.GetProperty("state").GetString() != "failed", $"{progress}\n{process.Output}");
            await Task.Delay(100, Ct);
        }

        throw new TimeoutException($"The chat model was not loaded within 60 s:\n{process.Output}");
    }
}
