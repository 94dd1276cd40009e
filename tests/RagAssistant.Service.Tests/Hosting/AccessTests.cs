using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
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
    public void Listening_beyond_loopback_without_an_api_key_refuses_to_start(string urls)
    {
        using var factory = new ServiceFactory(new Dictionary<string, string?> { ["urls"] = urls });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("no API key is set", error.Message, StringComparison.Ordinal);
        Assert.Contains("Service:ApiKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listening_beyond_loopback_with_an_api_key_starts()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:5999", ["Service:ApiKey"] = Key });
        using var client = factory.CreateClient();

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public void Invalid_options_refuse_to_start_with_the_setting_named()
    {
        using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Service:MaxConcurrentAnswers"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("MaxConcurrentAnswers", error.Message, StringComparison.Ordinal);
    }
}
