using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// The evidence check in the real service process, with <c>ChatModel:Provider=OpenAICompatible</c> against a scripted
/// server on loopback and the bundled embedder: the issue's Diffusion-LM answer, one claim its cited paper supports, one
/// cited to a paper that says nothing of the kind, one cited to nothing.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class EvidenceServiceTests
{
    private const string Question = "How does Diffusion-LM make text generation controllable?";
    private const string DiffusionLm = "Diffusion-LM Improves Controllable Text Generation";
    private const string SteeringVectors = "Extracting Latent Steering Vectors from Pretrained Language Models";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wrong_citation_is_unsupported_with_the_right_paper_suggested_and_an_uncited_claim_is_flagged()
    {
        if (!File.Exists(ServiceProcess.ServiceAssembly))
        {
            Assert.Skip($"The service is not built at {ServiceProcess.ServiceAssembly}.");
        }

        using var folder = new TempFolder();
        WriteCorpus(folder, DiffusionLm, SteeringVectors, "Quark: Controllable Text Generation with Reinforced Unlearning", "Plug and Play Language Models: A Simple Approach to Controlled Text Generation");
        await using var model = await ScriptedModelServer.StartAsync(Answer, Ct);
        await using var assistant = ServiceProcess.Start(
            "--corpus", Path.Combine(folder.Path, "corpus"), $"--Corpus:CacheFolder={Path.Combine(folder.Path, "cache")}", "--Service:WatchCorpus=false",
            "--ChatModel:Provider=OpenAICompatible", $"--ChatModel:Endpoint={model.Endpoint}", "--ChatModel:ModelId=scripted",

            // Every paper of this four-paper corpus is offered (the on-topic cut would keep only Diffusion-LM), so the
            // answer can cite the wrong one, as the issue's answer did over the shipped corpus.
            "--Answering:MinRelevance=0.001");
        await assistant.WaitUntilReadyAsync(TimeSpan.FromSeconds(120), Ct);
        using var client = new HttpClient { BaseAddress = assistant.Address, Timeout = TimeSpan.FromSeconds(120) };

        // The JSON answer.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ask") { Content = JsonContent.Create(new { question = Question }) };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {body}\n{assistant.Output}");
        var answer = JsonDocument.Parse(body).RootElement;
        var numbers = answer.GetProperty("sources").EnumerateArray().ToDictionary(s => s.GetProperty("title").GetString()!, s => s.GetProperty("n").GetInt32());
        var diffusion = numbers[DiffusionLm];
        var steering = numbers[SteeringVectors];
        Assert.Equal(0, answer.GetProperty("invalid_citations").GetArrayLength());

        var claims = answer.GetProperty("claims").EnumerateArray().ToList();
        Assert.Equal(3, claims.Count);
        Assert.Equal("supported", claims[0].GetProperty("verdict").GetString());
        Assert.Equal([diffusion], claims[0].GetProperty("cited").EnumerateArray().Select(n => n.GetInt32()));
        var evidence = Assert.Single(claims[0].GetProperty("evidence").EnumerateArray());
        Assert.Equal(diffusion, evidence.GetProperty("n").GetInt32());
        Assert.StartsWith("Building upon the recent successes of diffusion models", evidence.GetProperty("sentence").GetString(), StringComparison.Ordinal);

        Assert.Equal("unsupported", claims[1].GetProperty("verdict").GetString());
        Assert.Equal([diffusion], claims[1].GetProperty("suggested").EnumerateArray().Select(n => n.GetInt32()));
        Assert.Equal([steering, diffusion], claims[1].GetProperty("evidence").EnumerateArray().Select(e => e.GetProperty("n").GetInt32()));

        Assert.Equal("uncited", claims[2].GetProperty("verdict").GetString());
        Assert.Equal(0, claims[2].GetProperty("cited").GetArrayLength());
        Assert.Equal(diffusion, claims[2].GetProperty("suggested")[0].GetInt32());

        Assert.Equal(
            """{"claims":3,"supported":1,"partly":0,"unsupported":1,"uncited":1}""",
            JsonSerializer.Serialize(answer.GetProperty("grounding")));

        // The stream: a claim event per claim before the answer ends, and the done event with the same claims.
        using var streamed = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct);
        var events = await ServerSentEvents.ReadAsync(await streamed.Content.ReadAsStreamAsync(Ct), Ct).ToListAsync(Ct);
        var claimEvents = events.Select((e, i) => (e, i)).Where(x => x.e.Event == "claim").ToList();
        Assert.Equal(["supported", "unsupported", "uncited"], claimEvents.Select(x => x.e.Json.GetProperty("verdict").GetString()));
        Assert.True(claimEvents[0].i < events.FindLastIndex(e => e.Event == "token"), "the first claim must come while the answer streams");
        var done = events.Single(e => e.Event == "done").Json;
        // (The vectors may have become ready between the two requests, so the source order can differ, not the verdicts.)
        Assert.Equal(claimEvents.Select(x => x.e.Data), done.GetProperty("claims").EnumerateArray().Select(c => c.GetRawText()));

        // The OpenAI-compatible endpoint carries the same extension fields.
        using var completion = await client.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = Question } } }, Ct);
        var openAi = JsonDocument.Parse(await completion.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(3, openAi.GetProperty("grounding").GetProperty("claims").GetInt32());
        Assert.Equal("unsupported", openAi.GetProperty("claims")[1].GetProperty("verdict").GetString());

        static string Answer(string prompt)
        {
            var d = ScriptedModelServer.SourceNumber(prompt, DiffusionLm);
            var s = ScriptedModelServer.SourceNumber(prompt, SteeringVectors);
            return "Hello! Here is what the papers say:\n\n"
                + $"Diffusion-LM iteratively denoises a sequence of Gaussian vectors into word vectors, giving intermediate latent variables [{d}]. "
                + $"Its continuous latent variables let a simple gradient-based algorithm carry out six fine-grained control tasks [{s}]. "
                + "Diffusion models had already been successful in continuous domains such as images.";
        }
    }

    // The papers' real titles and abstracts from the shipped corpus, as one JSONL file.
    private static void WriteCorpus(TempFolder folder, params string[] titles)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "data", "papers", "000_9d55c3b7fe4dbf6a.txt"));
        var papers = titles.Select(title =>
        {
            var at = Array.FindIndex(lines, l => l.EndsWith(title, StringComparison.Ordinal));
            return new JsonObject { ["title"] = title, ["abstract"] = lines[at + 1] }.ToJsonString();
        });
        folder.Write(Path.Combine("corpus", "papers.jsonl"), string.Join('\n', papers) + "\n");
    }
}
