using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RagAssistant.Service.Tests.Infrastructure;

internal static class HttpClientExtensions
{
    /// <summary>Posts <paramref name="body"/> as JSON and returns as soon as the headers arrive, for streams.</summary>
    public static Task<HttpResponseMessage> PostStreamingAsync(this HttpClient client, string path, object body, CancellationToken cancellationToken, string accept = "text/event-stream")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Posts a raw string body with the given content type.</summary>
    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string body, CancellationToken cancellationToken, string contentType = "application/json") =>
        client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, contentType), cancellationToken);

    /// <summary>
    /// Reads a <c>/v1</c> error in OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>, checking that
    /// every one of the four is there (param and code may be null) and returns the <c>error</c> object.
    /// </summary>
    public static async Task<JsonElement> ReadOpenAiErrorAsync(this HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
        var error = body.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "error.param");
        Assert.True(error.TryGetProperty("code", out _), "error.code");
        Assert.Single(body.EnumerateObject());
        return error;
    }

    /// <summary>
    /// Reads an RFC 7807 problem, checking its content type. A <c>/v1</c> response is checked to be in OpenAI's error
    /// shape instead (<see cref="ReadOpenAiErrorAsync"/>) and returned as <c>{detail, status}</c>, so a test of both
    /// route groups reads the message one way.
    /// </summary>
    public static async Task<JsonElement> ReadProblemAsync(this HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.RequestMessage?.RequestUri?.AbsolutePath.StartsWith("/v1", StringComparison.Ordinal) == true)
        {
            var error = await response.ReadOpenAiErrorAsync(cancellationToken);
            return JsonSerializer.SerializeToElement(new { detail = error.GetProperty("message").GetString(), status = (int)response.StatusCode });
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Waits until the indexing worker has built the index, as /health/ready reports it.</summary>
    public static async Task WaitUntilReadyAsync(this HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), TestContext.Current.CancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("The service did not become ready within 10 s.");
    }
}
