using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using RagAssistant.Service.Options;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class AccessTests
{
    private const string Key = "0123456789abcdef0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_an_api_key_the_api_needs_the_bearer_token_but_health_does_not()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Service:ApiKey"] = Key });
        using var client = factory.CreateClient();

        using (var anonymous = await client.GetAsync(new Uri("/api/status", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains("Authorization: Bearer", (await anonymous.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/models", UriKind.Relative)))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key[..^1] + "0");
            using var response = await client.SendAsync(wrong, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var right = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/status", UriKind.Relative)))
        {
            right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
            using var response = await client.SendAsync(right, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5999")]
    [InlineData("http://*:5999")]
    [InlineData("http://127.0.0.1:5998;http://192.168.1.20:5999")]
    public void Listening_beyond_loopback_without_an_api_key_fails_validation(string urls)
    {
        var listening = ListenAddresses.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build());
        var validator = new ServiceOptionsValidator();

        var refused = validator.Validate(null, new ServiceOptions { ListenUrls = listening });
        var withKey = validator.Validate(null, new ServiceOptions { ApiKey = Key, ListenUrls = listening });

        Assert.True(refused.Failed);
        Assert.Contains("no API key is set", refused.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Service:ApiKey", refused.FailureMessage, StringComparison.Ordinal);
        Assert.True(withKey.Succeeded);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5999")]
    [InlineData("http://localhost:5999;http://[::1]:6000")]
    public void Loopback_needs_no_api_key_but_a_short_key_is_refused(string urls)
    {
        var listening = ListenAddresses.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build());
        var validator = new ServiceOptionsValidator();

        Assert.True(validator.Validate(null, new ServiceOptions { ListenUrls = listening }).Succeeded);
        Assert.Contains("shorter than 16", validator.Validate(null, new ServiceOptions { ApiKey = "secret", ListenUrls = listening }).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listening_beyond_loopback_with_an_api_key_starts()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:5999", ["Service:ApiKey"] = Key });
        using var client = factory.CreateClient();

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/ask")]
    [InlineData("POST", "/api/search")]
    [InlineData("POST", "/v1/chat/completions")]
    [InlineData("PATCH", "/api/conversations/0123456789abcdef0123456789abcdef")]
    public async Task A_cross_site_form_post_is_refused_with_403_before_its_content_type_is_judged(string method, string path)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        // What an HTML form on another site sends: routing alone would answer 415 (its own endpoint, without the route's
        // cross-site refusal), telling the page the route exists and reading nothing more.
        foreach (var (origin, expected) in new[] { ("https://evil.example", HttpStatusCode.Forbidden), ("http://localhost", HttpStatusCode.UnsupportedMediaType) })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = new StringContent("question=hi") };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            request.Headers.Add("Origin", origin);
            using var response = await client.SendAsync(request, Ct);

            Assert.True(response.StatusCode == expected, $"Origin {origin}: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("PUT", "/api/ask", "PUT is not allowed on /api/ask; it accepts POST.")]
    [InlineData("DELETE", "/api/status", "DELETE is not allowed on /api/status; it accepts GET.")]
    public async Task A_method_the_path_does_not_accept_gets_a_405_problem_naming_the_allowed_methods(string method, string path, string detail)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)), Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(detail, (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString());
    }
}
