using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Api;

/// <summary><c>/api/ask</c> with <c>conversation_id</c> and the <c>/api/conversations</c> routes, over the service's real SQLite store.</summary>
public sealed class ConversationEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_follow_up_sends_only_the_question_and_the_id_and_gets_its_history_from_the_store()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        var first = await AskJsonAsync(client, new { question = "What is speculative decoding?" });
        var id = first.GetProperty("conversation_id").GetString()!;
        using var streamed = await client.PostStreamingAsync("/api/ask", new { question = "And its cost?", conversation_id = id }, Ct);
        var done = (await ServerSentEvents.ReadAllAsync(streamed, Ct)).Single(e => e.Event == "done").Json;

        Assert.Equal(id, done.GetProperty("conversation_id").GetString());
        var followUp = factory.Pipeline.Requests.Last();
        Assert.Equal(["What is speculative decoding?", first.GetProperty("answer").GetString()], followUp.History!.Select(m => m.Text));

        var conversation = await client.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}", Ct);
        Assert.Equal("What is speculative decoding?", conversation.GetProperty("title").GetString());
        var turns = conversation.GetProperty("turns").EnumerateArray().ToList();
        Assert.Equal(["What is speculative decoding?", "And its cost?"], turns.Select(t => t.GetProperty("question").GetString()));

        // The stored answer is the object /api/ask returned.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(first.GetRawText()), JsonNode.Parse(turns[0].GetProperty("answer").GetRawText())), turns[0].ToString());
        Assert.Equal("completed", turns[1].GetProperty("status").GetString());
        Assert.True(conversation.TryGetProperty("created", out _));
    }

    [Fact]
    public async Task The_export_is_a_download_named_after_the_title_in_safe_characters_and_its_heading_is_escaped()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();
        var id = (await AskJsonAsync(client, new { question = "# Attention heads?" })).GetProperty("conversation_id").GetString()!;
        using var renamed = await client.PatchAsJsonAsync($"/api/conversations/{id}", new { title = "# Über: notes/../draft?" }, Ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);

        using var export = await client.GetAsync(new Uri($"/api/conversations/{id}/export", UriKind.Relative), Ct);
        var markdown = await export.Content.ReadAsStringAsync(Ct);

        var disposition = export.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("Über-notes-draft.md", disposition.FileNameStar);
        Assert.Matches("^\"?[A-Za-z0-9_.-]+\"?$", disposition.FileName!); // the ASCII fallback
        Assert.StartsWith("# \\# Über: notes/../draft?\n", markdown, StringComparison.Ordinal);
        Assert.Contains("## 1. \\# Attention heads?\n\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_is_newest_first_paged_and_searched_and_rename_delete_and_export_work()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();
        var ids = new List<string>();
        foreach (var question in new[] { "Attention heads?", "Decoding speed?", "Attention sinks?" })
        {
            ids.Add((await AskJsonAsync(client, new { question })).GetProperty("conversation_id").GetString()!);
        }

        var page = await client.GetFromJsonAsync<JsonElement>("/api/conversations?limit=2", Ct);
        var rest = await client.GetFromJsonAsync<JsonElement>($"/api/conversations?limit=2&cursor={Uri.EscapeDataString(page.GetProperty("next").GetString()!)}", Ct);
        var search = await client.GetFromJsonAsync<JsonElement>("/api/conversations?query=ATTENTION", Ct);

        Assert.Equal([ids[2], ids[1]], page.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(["id", "title", "updated", "turn_count"], page.GetProperty("conversations")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal([ids[0]], rest.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.False(rest.TryGetProperty("next", out _), rest.ToString()); // the last page: no next cursor (nulls are left out)
        Assert.Equal(2, search.GetProperty("conversations").GetArrayLength());

        using var renamed = await client.PatchAsJsonAsync($"/api/conversations/{ids[0]}", new { title = "Heads" }, Ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Heads", (await client.GetFromJsonAsync<JsonElement>($"/api/conversations/{ids[0]}", Ct)).GetProperty("title").GetString());

        // A title reaches the sidebar, /history and exported Markdown: escape sequences and control characters go.
        using var hostile = await client.PatchAsJsonAsync($"/api/conversations/{ids[1]}", new { title = "a\u001b[31mred\u0000x\nline" }, Ct);
        Assert.Equal(HttpStatusCode.OK, hostile.StatusCode);
        Assert.Equal("aredx line", (await client.GetFromJsonAsync<JsonElement>($"/api/conversations/{ids[1]}", Ct)).GetProperty("title").GetString());

        using var export = await client.GetAsync(new Uri($"/api/conversations/{ids[0]}/export", UriKind.Relative), Ct);
        var markdown = await export.Content.ReadAsStringAsync(Ct);
        Assert.Equal("text/markdown", export.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("# Heads\n", markdown, StringComparison.Ordinal);
        Assert.Contains("## 1. Attention heads?", markdown, StringComparison.Ordinal);
        Assert.Contains("## References\n\n1. ", markdown, StringComparison.Ordinal);

        using var deleted = await client.DeleteAsync(new Uri($"/api/conversations/{ids[0]}", UriKind.Relative), Ct);
        using var again = await client.DeleteAsync(new Uri($"/api/conversations/{ids[0]}", UriKind.Relative), Ct);
        using var gone = await client.GetAsync(new Uri($"/api/conversations/{ids[0]}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Bad_conversation_requests_get_a_problem_that_says_what_is_wrong()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Conversations:MaxTurnsPerConversation"] = "1" });
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();
        var id = (await AskJsonAsync(client, new { question = "q1" })).GetProperty("conversation_id").GetString()!;

        using var unknown = await client.PostStreamingAsync("/api/ask", new { question = "q", conversation_id = "0123456789abcdef0123456789abcdef" }, Ct, accept: "application/json");
        using var full = await client.PostStreamingAsync("/api/ask", new { question = "q2", conversation_id = id }, Ct, accept: "application/json");
        using var both = await client.PostStreamingAsync("/api/ask", new { question = "q", conversation_id = id, history = new[] { new { role = "user", content = "hi" } } }, Ct, accept: "application/json");
        using var emptyTitle = await client.PatchAsJsonAsync($"/api/conversations/{id}", new { title = " " }, Ct);
        using var badCursor = await client.GetAsync(new Uri("/api/conversations?cursor=nope", UriKind.Relative), Ct);
        using var badLimit = await client.GetAsync(new Uri("/api/conversations?limit=0", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("No conversation has the id '0123456789abcdef0123456789abcdef'. GET /api/conversations lists them.", Detail(await unknown.ReadProblemAsync(Ct)));
        Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
        Assert.Contains("Conversations:MaxTurnsPerConversation", Detail(await full.ReadProblemAsync(Ct)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, emptyTitle.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Equal("'nope' is not a page cursor: send the \"next\" value of the previous page unchanged, or leave cursor out for the first page.", Detail(await badCursor.ReadProblemAsync(Ct)));
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/conversations", Ct)).GetProperty("conversations").GetArrayLength());
    }

    [Fact]
    public async Task A_client_that_leaves_mid_answer_leaves_a_cancelled_turn_with_its_partial_text()
    {
        await using var factory = new ServiceFactory();
        factory.Pipeline.HoldAfterFirstToken = new TaskCompletionSource();
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        string id;
        using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            using var response = await client.PostStreamingAsync("/api/ask", new { question = "Leave early?" }, leaving.Token);
            id = response.Headers.GetValues("X-Conversation-Id").Single();
            await factory.Pipeline.FirstTokenSent.WaitAsync(Ct);
            await leaving.CancelAsync();
        }

        JsonElement turn = default;
        for (var i = 0; i < 100 && turn.ValueKind == JsonValueKind.Undefined | (turn.ValueKind == JsonValueKind.Object && turn.GetProperty("status").GetString() == "pending"); i++)
        {
            await Task.Delay(50, Ct);
            turn = (await client.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}", Ct)).GetProperty("turns")[0];
        }

        Assert.Equal("cancelled", turn.GetProperty("status").GetString());
        Assert.Equal("Answer", turn.GetProperty("partial_answer").GetString());
        Assert.False(turn.TryGetProperty("answer", out _), turn.ToString()); // no answer object for a cancelled turn
    }

    [Fact]
    public async Task With_an_api_key_every_conversation_route_needs_it()
    {
        const string Key = "0123456789abcdef0123456789abcdef";
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Service:ApiKey"] = Key });
        using var client = factory.CreateClient();

        foreach (var (method, path) in new[] { ("GET", "/api/conversations"), ("GET", "/api/conversations/x"), ("PATCH", "/api/conversations/x"), ("DELETE", "/api/conversations/x"), ("GET", "/api/conversations/x/export") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            using var response = await client.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {response.StatusCode}");
        }

        using var authorised = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/conversations", UriKind.Relative));
        authorised.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var ok = await client.SendAsync(authorised, Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_foreign_web_page_can_neither_read_nor_change_conversations()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();
        var id = (await AskJsonAsync(client, new { question = "q1" })).GetProperty("conversation_id").GetString()!;

        foreach (var (method, path) in new[] { ("POST", "/api/ask"), ("GET", "/api/conversations"), ("GET", $"/api/conversations/{id}"), ("PATCH", $"/api/conversations/{id}"), ("DELETE", $"/api/conversations/{id}"), ("GET", $"/api/conversations/{id}/export") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            request.Headers.Add("Origin", "https://evil.example");
            if (method is "POST" or "PATCH")
            {
                request.Content = JsonContent.Create(new { question = "q", title = "pwned" });
            }

            using var response = await client.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {response.StatusCode}");
        }

        Assert.Equal("q1", (await client.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}", Ct)).GetProperty("title").GetString());
    }

    private static async Task<JsonElement> AskJsonAsync(HttpClient client, object body)
    {
        using var response = await client.PostStreamingAsync("/api/ask", body, Ct, accept: "application/json");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Detail(JsonElement problem) => problem.GetProperty("detail").GetString()!;
}
