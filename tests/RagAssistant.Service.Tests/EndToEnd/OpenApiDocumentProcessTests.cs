using System.Net;
using System.Text.Json;
using RagAssistant.Hosting.Contract;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c>, from the real process, behind the same host filter and headers as every route.</summary>
[Trait("Category", "EndToEnd")]
public sealed class OpenApiDocumentProcessTests(RealServiceProcess service) : IClassFixture<RealServiceProcess>
{
    private static readonly Uri Document = new("/openapi/v1.json", UriKind.Relative);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_document_names_every_api_route_with_its_request_and_response_bodies()
    {
        using var client = service.CreateClient();

        using var response = await client.GetAsync(Document, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", string.Join(" ", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = document.RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = root.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/api/ask", "post"), ("/api/search", "post"), ("/api/papers/{id}", "get"), ("/api/status", "get"),
            ("/api/models/chat/download", "post"), ("/v1/chat/completions", "post"), ("/v1/models", "get"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the document: {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
            Assert.True(item.TryGetProperty(method, out _), $"{path} has no {method}");
        }

        // Request and response bodies are described by their schemas, not left empty.
        var schemas = root.GetProperty("components").GetProperty("schemas");
        foreach (var schema in new[] { "AskRequest", "SearchRequest", "SearchResponse", "StatusResponse", "ChatCompletionRequest", "ChatCompletion", "ModelList", "Paper", "AnswerDocument" })
        {
            Assert.True(schemas.TryGetProperty(schema, out _), $"schema {schema} is missing: {string.Join(", ", schemas.EnumerateObject().Select(p => p.Name))}");
        }

        var ask = paths.GetProperty("/api/ask").GetProperty("post");
        Assert.True(ask.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(ask.GetProperty("responses").TryGetProperty("200", out _));
    }

    [Fact]
    public async Task A_foreign_host_is_refused_the_document_too()
    {
        using var client = service.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Document);
        request.Headers.Host = "attacker.example";

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
