using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Api;

public sealed class CatalogEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Search_returns_ranked_hits_with_their_papers()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostAsJsonAsync("/api/search", new { question = "experts routing", top_k = 2, mode = "dense" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("bm25", result.GetProperty("mode").GetString());
        Assert.Contains("BM25 only", result.GetProperty("notice").GetString(), StringComparison.Ordinal);
        var first = result.GetProperty("hits")[0];
        Assert.Equal(1, first.GetProperty("rank").GetInt32());
        Assert.Equal("mixture-of-experts", first.GetProperty("paper_id").GetString());
        Assert.Contains("Routing each token", first.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Papers_are_listed_page_by_page_and_filtered_by_every_word_of_the_query()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var first = await GetJsonAsync(client, "/api/papers?limit=2");
        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal(2, first.GetProperty("next").GetInt32());
        Assert.Equal(["speculative-decoding", "mixture-of-experts"], first.GetProperty("papers").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        var last = await GetJsonAsync(client, "/api/papers?limit=2&offset=2");
        Assert.False(last.TryGetProperty("next", out _), "the last page has no next offset");
        Assert.Equal("more.jsonl", last.GetProperty("papers")[0].GetProperty("source_file").GetString());

        // Every word must match, title or abstract, in any case.
        var found = await GetJsonAsync(client, "/api/papers?query=ROUTING%20experts");
        Assert.Equal("mixture-of-experts", Assert.Single(found.GetProperty("papers").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(0, (await GetJsonAsync(client, "/api/papers?query=routing%20zebra")).GetProperty("total").GetInt32());

        using var bad = await client.GetAsync(new Uri("/api/papers?limit=500", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("limit must be between 1 and 100, got 500.", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/papers?limit=99999999999", "limit must be between 1 and 100, got 99999999999.", "limit")]
    [InlineData("/api/papers?limit=-99999999999", "limit must be between 1 and 100, got -99999999999.", "limit")]
    [InlineData("/api/papers?offset=-99999999999", "offset must be 0 or more, got -99999999999.", "offset")]
    [InlineData("/api/papers?limit=abc", "limit must be a whole number, got 'abc'.", "limit")]
    [InlineData("/api/papers?offset=1.5", "offset must be a whole number, got '1.5'.", "offset")]
    [InlineData("/api/papers?limit=100000000000000000000000", "limit is out of range, got 100000000000000000000000.", "limit")]
    [InlineData("/api/conversations?limit=99999999999", "limit must be between 1 and 200, got 99999999999.", "limit")]
    [InlineData("/api/conversations?limit=abc", "limit must be a whole number, got 'abc'.", "limit")]
    public async Task A_query_number_that_is_not_a_whole_number_in_range_is_a_problem_naming_the_range_or_the_type(string path, string expected, string field)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadProblemAsync(Ct);
        Assert.Equal(expected, problem.GetProperty("detail").GetString());
        Assert.Equal(field, Assert.Single(problem.GetProperty("errors").EnumerateObject()).Name);
    }

    [Fact]
    public async Task An_offset_past_every_paper_is_an_empty_last_page()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var page = await GetJsonAsync(client, "/api/papers?offset=99999999999");

        Assert.Equal(0, page.GetProperty("papers").GetArrayLength());
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.False(page.TryGetProperty("next", out _), "no page follows");
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(new Uri(path, UriKind.Relative), Ct)).RootElement;

    [Theory]
    [InlineData("{\"query\": \"\"}", "query is empty")]
    [InlineData("{\"query\": \"x\", \"mode\": \"telepathy\"}", "The field 'mode' must be one of \"bm25\", \"dense\", \"hybrid\".")]
    [InlineData("{\"query\": \"x\", \"mode\": \"fuzzy\"}", "The field 'mode' must be one of \"bm25\", \"dense\", \"hybrid\".")]
    [InlineData("{\"query\": \"x\", \"top_k\": \"abc\"}", "The field 'top_k' must be a whole number (a JSON number such as 5, without quotes).")]
    [InlineData("{\"query\": \"x\", \"top_k\": \"5\"}", "The field 'top_k' must be a whole number (a JSON number such as 5, without quotes).")]
    [InlineData("{\"query\": \"x\", \"topK\": 3}", "Unknown field 'topK': the fields are question, top_k, mode, query.")]
    [InlineData("{\"query\": \"x\", \"top_k\": 1000}", "top_k must be between 1 and 20, got 1000.")]
    [InlineData("{\"query\": \"x\", \"top_k\": 99999999999}", "top_k must be between 1 and 20, got 99999999999.")]
    [InlineData("{\"question\": \"hi\", \"top_k\": 99999999999999999999999}", "top_k must be between 1 and 20, got a number far larger than 20.")]
    [InlineData("{\"question\": \"hi\", \"question\": \"speculative decoding\"}", "The field 'question' appears more than once in the request body: send each field once.")]
    [InlineData("{\"question\": \"hi\", \"Question\": \"speculative decoding\"}", "The field 'question' appears more than once in the request body: send each field once.")]
    [InlineData("{\"question\": \"speculative \\ud800 decoding\"}", "The field 'question' is not valid Unicode text: it holds a lone surrogate")]
    [InlineData("{\"question\": \"\"}", "question is empty")]
    [InlineData("{\"question\": \"x\", \"query\": \"x\"}", "Give the search text once, as question")]
    public async Task Bad_searches_get_a_problem(string body, string expected)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostRawAsync("/api/search", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString()!;
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\b(System|RagAssistant|Microsoft)\.[A-Za-z]", detail);
    }

    [Fact]
    public async Task A_paper_is_found_by_id_and_an_unknown_id_is_a_404_problem()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        using var found = await client.GetAsync(new Uri("/api/papers/retrieval-augmented", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var paper = JsonDocument.Parse(await found.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("Retrieval-Augmented Generation for Knowledge Tasks", paper.GetProperty("title").GetString());
        Assert.StartsWith("Retrieved passages", paper.GetProperty("abstract").GetString(), StringComparison.Ordinal);
        Assert.Equal("more.jsonl", paper.GetProperty("source_file").GetString());

        using var missing = await client.GetAsync(new Uri("/api/papers/no-such-paper", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no-such-paper", (await missing.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_reports_corpus_size_index_state_and_queue()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Service:MaxConcurrentAnswers"] = "2",
            ["ChatModel:ModelPath"] = Path.Combine(Path.GetTempPath(), $"not-downloaded-{Guid.NewGuid():N}.gguf"),
        });
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;

        Assert.True(status.GetProperty("ready").GetBoolean());
        Assert.Equal(3, status.GetProperty("corpus").GetProperty("papers").GetInt32());
        Assert.Equal("ready", status.GetProperty("index").GetProperty("state").GetString());
        Assert.Equal(1, status.GetProperty("index").GetProperty("warnings").GetArrayLength());
        // The chat model file is not downloaded: one state says so, nothing says "loaded".
        var model = status.GetProperty("model");
        Assert.Equal("missing", model.GetProperty("chat_model_state").GetString());
        Assert.False(model.TryGetProperty("state", out _), "model.state would contradict chatModelState");
        Assert.Equal(2, status.GetProperty("queue").GetProperty("max_concurrent").GetInt32());
    }

    [Fact]
    public async Task Unknown_routes_are_problem_details_too()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/nothing-here", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await response.ReadProblemAsync(Ct);
    }
}
