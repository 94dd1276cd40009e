using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using RagAssistant.Service.Tests.Infrastructure;
using RagAssistant.Testing.Databases;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// Conversations kept by the service as users run it (its own process): across a restart on SQLite, between two
/// instances sharing one PostgreSQL server, and through a <c>kill -9</c> in the middle of an answer.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ConversationServiceProcessTests
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Common = ["--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false"];

    [Fact]
    public async Task A_restarted_service_keeps_its_conversations()
    {
        ServiceProcess.SkipWithoutBuild();
        using var data = new TempFolder();
        var store = $"--ConnectionStrings:Conversations=Data Source={data.File("conversations.db")}";
        string id;
        await using (var first = ServiceProcess.Start([.. Common, store]))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
            using var client = new HttpClient { BaseAddress = first.Address };
            id = (await AskAsync(client, new { question = Question })).GetProperty("conversation_id").GetString()!;
            Assert.True(await first.TerminateAsync(TimeSpan.FromSeconds(20)), first.Output);
        }

        await using var second = ServiceProcess.Start([.. Common, store]);
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var again = new HttpClient { BaseAddress = second.Address };
        await AskAsync(again, new { question = "And at the end of training?", conversation_id = id });

        var conversation = await again.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}", Ct);
        Assert.Equal(Question, conversation.GetProperty("title").GetString());
        Assert.Equal(2, conversation.GetProperty("turns").GetArrayLength());
        Assert.Equal(id, (await again.GetFromJsonAsync<JsonElement>("/api/conversations", Ct)).GetProperty("conversations")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Two_services_sharing_one_postgresql_server_see_each_others_conversations()
    {
        ServiceProcess.SkipWithoutBuild();
        var cluster = await PostgresCluster.RequireSharedAsync();
        var connection = await cluster.CreateDatabaseAsync();
        string[] shared = [.. Common, "--Conversations:Provider=Postgres", $"--ConnectionStrings:Conversations={connection};Password=pg-s3cret"];
        await using var a = ServiceProcess.Start(shared);
        await a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        await using var b = ServiceProcess.Start(shared);
        await b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var clientA = new HttpClient { BaseAddress = a.Address };
        using var clientB = new HttpClient { BaseAddress = b.Address };

        var id = (await AskAsync(clientA, new { question = Question })).GetProperty("conversation_id").GetString()!;
        await AskAsync(clientB, new { question = "And at the end of training?", conversation_id = id });

        var seenByA = await clientA.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}", Ct);
        Assert.Equal(["completed", "completed"], seenByA.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
        Assert.Equal(id, (await clientB.GetFromJsonAsync<JsonElement>("/api/conversations", Ct)).GetProperty("conversations")[0].GetProperty("id").GetString());

        // The connection string (and its password) is in no log line and not in /api/status.
        var status = await clientA.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct);
        Assert.DoesNotContain("pg-s3cret", status, StringComparison.Ordinal);
        Assert.DoesNotContain("pg-s3cret", a.Output + b.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_9_in_the_middle_of_an_answer_loses_no_earlier_turn_and_the_store_reopens_cleanly()
    {
        ServiceProcess.SkipWithoutBuild();
        using var data = new TempFolder();
        var file = data.File("conversations.db");
        await using var model = await ScriptedModelServer.StartAsync(Ct);
        model.ReleaseFirstToken();

        // The follow-up's standalone query, as a model would rewrite it.
        model.Completion = Question;
        string[] arguments =
        [
            "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false", "--ChatModel:Provider=OpenAICompatible",
            $"--ChatModel:Endpoint={model.Endpoint}", "--ChatModel:ModelId=scripted", $"--ConnectionStrings:Conversations=Data Source={file}",
        ];
        string id;
        await using (var doomed = ServiceProcess.Start(arguments))
        {
            await doomed.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
            using var client = new HttpClient { BaseAddress = doomed.Address, Timeout = TimeSpan.FromSeconds(60) };
            var first = await AskAsync(client, new { question = Question });
            id = first.GetProperty("conversation_id").GetString()!;
            Assert.Equal("generated", first.GetProperty("mode").GetString());

            // The second answer streams two words a second; once its first words arrived, the process is killed.
            model.Tokens = 200;
            model.TokenDelay = TimeSpan.FromMilliseconds(500);
            using var streaming = await client.PostStreamingAsync("/api/ask", new { question = "And at the end of training?", conversation_id = id }, Ct);
            await using var events = await streaming.Content.ReadAsStreamAsync(Ct);
            await foreach (var item in ServerSentEvents.ReadAsync(events, Ct))
            {
                if (item.Event == "token")
                {
                    break;
                }
            }

            using (var kill = Process.Start("kill", ["-KILL", doomed.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Ct);
            }

            Assert.True(await doomed.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(137, doomed.ExitCode);
        }

        // The file opens cleanly: SQLite's own check, then the restarted service reads every turn.
        SqliteConnection.ClearAllPools();
        await using (var check = new SqliteConnection($"Data Source={file}"))
        {
            await check.OpenAsync(Ct);
            await using var command = check.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)await command.ExecuteScalarAsync(Ct));
        }

        model.Tokens = 5;
        model.TokenDelay = TimeSpan.Zero;
        await using var restarted = ServiceProcess.Start(arguments);
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var again = new HttpClient { BaseAddress = restarted.Address };
        var turns = (await again.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}", Ct)).GetProperty("turns").EnumerateArray().ToList();
        Assert.Equal(2, turns.Count);
        Assert.Equal("completed", turns[0].GetProperty("status").GetString());
        Assert.Equal("word0 word1 word2 word3 word4", turns[0].GetProperty("answer").GetProperty("answer").GetString()!.Trim());
        Assert.True(turns[1].GetProperty("status").GetString() == "pending", turns[1].ToString());
        Assert.Equal("And at the end of training?", turns[1].GetProperty("question").GetString());

        // And the conversation goes on.
        await AskAsync(again, new { question = "Once more?", conversation_id = id });
    }

    private static async Task<JsonElement> AskAsync(HttpClient client, object body)
    {
        using var response = await client.PostStreamingAsync("/api/ask", body, Ct, accept: "application/json");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

}
