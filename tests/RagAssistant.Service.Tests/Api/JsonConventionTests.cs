using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Api;

/// <summary>One convention for every JSON body: snake_case names, <c>question</c> for the asked text, empty values left out.</summary>
public sealed class JsonConventionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/status")]
    [InlineData("/api/papers/retrieval-augmented")]
    [InlineData("/v1/models")]
    public async Task Every_property_name_is_snake_case_and_no_value_is_null(string path)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var body = JsonDocument.Parse(await client.GetStringAsync(new Uri(path, UriKind.Relative), Ct)).RootElement;

        AssertSnakeCase(body, "$");
    }

    [Fact]
    public async Task Search_and_its_hits_are_snake_case_take_question_and_leave_out_a_missing_date()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        // The third paper of the catalog has no date.
        using var response = await client.PostAsJsonAsync("/api/search", new { question = "retrieved passages ground the generator" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        AssertSnakeCase(body, "$");
        Assert.Equal("retrieved passages ground the generator", body.GetProperty("question").GetString());
        var hit = body.GetProperty("hits").EnumerateArray().Single(h => h.GetProperty("paper_id").GetString() == "retrieval-augmented");
        Assert.False(hit.TryGetProperty("date", out _), "a missing date is left out, as in /api/ask");
    }

    [Fact]
    public async Task The_deprecated_query_name_still_searches()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostAsJsonAsync("/api/search", new { query = "experts routing" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("experts routing", body.GetProperty("question").GetString());
    }

    [Theory]
    [InlineData("/v1/chat/completions", "{\"messages\": ")]
    [InlineData("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}], \"max_tokens\": 0}")]
    [InlineData("/v1/nowhere", "{}")]
    public async Task Every_v1_error_is_openai_shaped(string path, string body)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostRawAsync(path, body, Ct);

        Assert.False(response.IsSuccessStatusCode);
        var error = await response.ReadOpenAiErrorAsync(Ct);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    private static void AssertSnakeCase(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Assert.Matches("^[a-z0-9_]+$", property.Name);
                    Assert.True(property.Value.ValueKind != JsonValueKind.Null, $"{path}.{property.Name} is null: an empty value is left out");
                    AssertSnakeCase(property.Value, $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    AssertSnakeCase(item, $"{path}[{i++}]");
                }

                break;
        }
    }
}
