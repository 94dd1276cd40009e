using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// The same question gets the same sources whether the service answers retrieval-only or with a chat model (a scripted
/// OpenAI-compatible server on loopback), over the shipped corpus with the bundled embedder: for a conversation's first
/// question, and for a follow-up that changes the topic. A follow-up is what the model rewrites; this one stands alone,
/// and the model keeps it as it is, as a model should. A model's rewrite of a vague follow-up ("How much faster is
/// it?") may differ from the retrieval-only context search, and its sources with it (Retrieval/README.md).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SameSourcesServiceProcessTests
{
    private const string First = "Which papers study speculative decoding?";
    private const string FollowUp = "What is LoRA?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_first_question_and_a_follow_up_get_the_same_sources_retrieval_only_and_with_a_model()
    {
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        string[] common = [$"--Corpus:CacheFolder={Path.Combine(folder.Path, "cache")}", "--Service:WatchCorpus=false"];

        // Retrieval-only first: its cold start embeds the passages and their sentences into the cache both share.
        List<string>[] extracted;
        await using (var retrievalOnly = ServiceProcess.Start([.. common, "--retrieval-only", $"--ConnectionStrings:Conversations=Data Source={Path.Combine(folder.Path, "a.db")}"]))
        {
            extracted = await ConversationAsync(retrievalOnly, "retrieval-only");
        }

        await using var model = await ScriptedModelServer.StartAsync(Ct);
        model.Completion = FollowUp;
        model.ReleaseFirstToken();
        await using var withModel = ServiceProcess.Start(
            [.. common, $"--ConnectionStrings:Conversations=Data Source={Path.Combine(folder.Path, "b.db")}",
            "--ChatModel:Provider=OpenAICompatible", $"--ChatModel:Endpoint={model.Endpoint}", "--ChatModel:ModelId=scripted"]);
        var generated = await ConversationAsync(withModel, "generated");

        Assert.Contains(extracted[0], t => t.Contains("Speculative Decoding", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(extracted[1], t => t.Contains("LoRA", StringComparison.Ordinal));
        Assert.Equal(extracted[0], generated[0]);
        Assert.Equal(extracted[1], generated[1]);
    }

    // The first question, then the follow-up in the same conversation, once every vector (passages and the sentences
    // the relevance gate reads) is ready; the titles of each answer's sources, in order.
    private static async Task<List<string>[]> ConversationAsync(ServiceProcess service, string mode)
    {
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(180), Ct);
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(120) };
        var deadline = DateTime.UtcNow.AddMinutes(12); // every vector is about 90 s on two quiet cores; a loaded machine takes several times that
        JsonElement embedding;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, service.Output);
            await Task.Delay(200, Ct);
            embedding = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement.GetProperty("embedding");
        }
        while (embedding.GetProperty("state").GetString() != "ready" || embedding.GetProperty("sentences").GetProperty("state").GetString() != "ready" || embedding.GetProperty("second_dense").GetString() != "ready");

        Assert.True(embedding.GetProperty("sentences").GetProperty("total").GetInt32() > 1000, embedding.ToString());
        var first = await AskAsync(client, new { question = First }, service);
        var followUp = await AskAsync(client, new { question = FollowUp, conversation_id = first.GetProperty("conversation_id").GetString() }, service);
        Assert.Equal(mode, first.GetProperty("mode").GetString());
        Assert.Equal(mode, followUp.GetProperty("mode").GetString());
        return [Titles(first), Titles(followUp)];
    }

    private static async Task<JsonElement> AskAsync(HttpClient client, object body, ServiceProcess service)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ask") { Content = JsonContent.Create(body) };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {text}\n{service.Output}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static List<string> Titles(JsonElement answer) =>
        answer.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("title").GetString()!).ToList();
}
