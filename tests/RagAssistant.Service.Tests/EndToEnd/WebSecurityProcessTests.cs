using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// What a hostile web page can send to the real process on loopback, as users start it (no API key): a rebound name
/// as <c>Host</c>, a foreign <c>Origin</c>, <c>Sec-Fetch-Site: cross-site</c>, an HTML form to the download route. And
/// what must keep working: the web chat's own requests and the real request shapes of curl, the <c>openai</c>
/// packages, Semantic Kernel and Open WebUI.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class WebSecurityProcessTests(RealServiceProcess service) : IClassFixture<RealServiceProcess>
{
    private const string Question = "How does the LR-annealing scaling law predict the loss at any training step?";

    private static readonly string Completion = JsonSerializer.Serialize(new { model = "ragassistant", messages = new[] { new { role = "user", content = Question } } });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client()
    {
        if (service.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        return new HttpClient { BaseAddress = service.Process!.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    private string Port => service.Process!.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("attacker.example")]
    [InlineData("attacker.example:{port}")]
    [InlineData("localhost.attacker.example:{port}")]
    [InlineData("127.0.0.1.nip.io:{port}")]
    [InlineData("0.0.0.0:{port}")]
    [InlineData("192.168.1.20:{port}")]
    public async Task A_foreign_host_is_refused_everywhere_with_a_problem_naming_the_setting(string host)
    {
        using var client = Client();
        foreach (var path in new[] { "/api/status", "/api/papers/x", "/", "/app.js", "/health/ready" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Host = host.Replace("{port}", Port, StringComparison.Ordinal);
            using var response = await client.SendAsync(request, Ct);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString();
            Assert.Contains("Service:AllowedHosts", detail, StringComparison.Ordinal);
        }

        using var ask = Post("/api/ask", """{"question": "What is speculative decoding?"}""");
        ask.Headers.Host = host.Replace("{port}", Port, StringComparison.Ordinal);
        using var asked = await client.SendAsync(ask, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, asked.StatusCode);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:{port}")]
    [InlineData("LOCALHOST:{port}")]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]:{port}")]
    public async Task Loopback_names_are_answered(string host)
    {
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/status", UriKind.Relative));
        request.Headers.Host = host.Replace("{port}", Port, StringComparison.Ordinal);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Service_AllowedHosts_lets_a_reverse_proxy_name_through_and_nothing_else()
    {
        if (service.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        await using var process = ServiceProcess.Start(
            "--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false",
            "--Service:AllowedHosts=assistant.example.org; *.lab.example.org");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = process.Address };

        async Task<string> SearchAsync(string? host, string? origin)
        {
            using var request = Post("/api/search", """{"query": "speculative decoding"}""");
            if (host is not null)
            {
                request.Headers.Host = host;
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            using var response = await client.SendAsync(request, Ct);
            return response.StatusCode == HttpStatusCode.OK ? "200" : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}\n{process.Output}";
        }

        // The proxy forwards its public name as Host (with or without a port), or rewrites Host to the upstream's and
        // the page's Origin keeps the public name (nginx's default); loopback still works; other names do not.
        Assert.Equal("200", await SearchAsync("assistant.example.org", "https://assistant.example.org"));
        Assert.Equal("200", await SearchAsync("assistant.example.org:443", null));
        Assert.Equal("200", await SearchAsync("gpu1.lab.example.org", null));
        Assert.Equal("200", await SearchAsync(null, "https://assistant.example.org"));
        Assert.Equal("200", await SearchAsync("localhost", null));
        Assert.StartsWith("400 ", await SearchAsync("attacker.example", null));
        Assert.StartsWith("400 ", await SearchAsync("lab.example.org.attacker.example", null));
        Assert.StartsWith("403 ", await SearchAsync("assistant.example.org", "https://attacker.example"));
    }

    [Theory]
    [InlineData("/api/ask", """{"question": "What is speculative decoding?"}""")]
    [InlineData("/api/search", """{"query": "speculative decoding"}""")]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "What is speculative decoding?"}]}""")]
    [InlineData("/api/models/chat/download", "{}")]
    public async Task A_foreign_origin_or_a_cross_site_fetch_is_refused_with_403(string path, string body)
    {
        using var client = Client();
        foreach (var (header, value) in new[]
        {
            ("Origin", "http://attacker.example"),
            ("Origin", $"http://localhost:{int.Parse(Port, System.Globalization.CultureInfo.InvariantCulture) + 1}"),
            ("Origin", "null"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Site", "same-site"),
        })
        {
            using var request = Post(path, body);
            request.Headers.Add(header, value);
            using var response = await client.SendAsync(request, Ct);

            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{header}: {value} on {path} got {(int)response.StatusCode}");
            Assert.Contains("refuses requests from other web sites", (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_html_form_cannot_start_the_download()
    {
        using var client = Client();

        // What <form method=post enctype=text/plain action=http://127.0.0.1:PORT/api/models/chat/download> sends,
        // without the Origin that browsers add (some older ones did not), and with it.
        foreach (var (contentType, body) in new[] { ("text/plain", "a=b\r\n"), ("application/x-www-form-urlencoded", "a=b"), ("multipart/form-data; boundary=x", "--x--\r\n"), ("text/plain", string.Empty) })
        {
            using var form = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/models/chat/download", UriKind.Relative)) { Content = new StringContent(body) };
            form.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            using var response = await client.SendAsync(form, Ct);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Contains("Content-Type: application/json", (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);

            using var withOrigin = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/models/chat/download", UriKind.Relative)) { Content = new StringContent(body) };
            withOrigin.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            withOrigin.Headers.Add("Origin", "https://attacker.example");
            using var refused = await client.SendAsync(withOrigin, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;
        Assert.Equal("off", status.GetProperty("model").GetProperty("chat_model_state").GetString());

        // A JSON body reaches the route: this retrieval-only service has nothing to download (409), the route itself works.
        using var json = await client.SendAsync(Post("/api/models/chat/download", "{}"), Ct);
        Assert.Equal(HttpStatusCode.Conflict, json.StatusCode);
    }

    /// <summary>The headers each client really sends (its own User-Agent, Accept and extra headers), body as it sends it.</summary>
    [Theory]
    [InlineData("web chat", "/api/ask", "Accept: text/event-stream|Origin: {origin}|Sec-Fetch-Site: same-origin|Sec-Fetch-Mode: cors|Sec-Fetch-Dest: empty|User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0")]
    [InlineData("curl --json", "/api/ask", "Accept: application/json|User-Agent: curl/8.5.0")]
    [InlineData("curl --json", "/v1/chat/completions", "Accept: application/json|User-Agent: curl/8.5.0")]
    [InlineData("openai (Python)", "/v1/chat/completions", "Accept: application/json|User-Agent: OpenAI/Python 1.54.4|X-Stainless-Lang: python|X-Stainless-Package-Version: 1.54.4|X-Stainless-OS: Linux|X-Stainless-Arch: x64|X-Stainless-Runtime: CPython|X-Stainless-Runtime-Version: 3.11.9|X-Stainless-Async: false|x-stainless-retry-count: 0|x-stainless-read-timeout: 600|Authorization: Bearer sk-local|Accept-Encoding: gzip, deflate")]
    [InlineData("openai (JS, Node)", "/v1/chat/completions", "Accept: application/json|User-Agent: OpenAI/JS 4.77.0|X-Stainless-Lang: js|X-Stainless-Package-Version: 4.77.0|X-Stainless-OS: Linux|X-Stainless-Arch: x64|X-Stainless-Runtime: node|X-Stainless-Runtime-Version: v20.18.1|x-stainless-retry-count: 0|Authorization: Bearer sk-local")]
    [InlineData("Semantic Kernel", "/v1/chat/completions", "Accept: application/json|User-Agent: Semantic-Kernel OpenAI/2.1.0 (.NET 8.0.11; Linux)|Semantic-Kernel-Version: 1.32.0|Authorization: Bearer sk-local")]
    [InlineData("Open WebUI", "/v1/chat/completions", "Accept: */*|User-Agent: Python/3.11 aiohttp/3.11.11|Accept-Encoding: gzip, deflate|Authorization: Bearer sk-local|X-OpenWebUI-User-Name: Ada|X-OpenWebUI-User-Id: 1|X-OpenWebUI-User-Email: ada@example.org|X-OpenWebUI-User-Role: admin")]
    public async Task Same_origin_pages_and_api_clients_keep_working(string client, string path, string headers)
    {
        using var http = Client();
        using var request = Post(path, path == "/api/ask" ? JsonSerializer.Serialize(new { question = Question }) : Completion);
        foreach (var header in headers.Replace("{origin}", service.Process!.Address.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal).Split('|'))
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            request.Headers.TryAddWithoutValidation(header[..colon], header[(colon + 1)..].Trim());
        }

        using var response = await http.SendAsync(request, Ct);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{client}: {(int)response.StatusCode} {body}");
        Assert.Contains("Scaling Law with Learning Rate Annealing", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openai_dotnet_client_that_semantic_kernel_uses_streams_an_answer()
    {
        using var http = Client();

        // The OpenAI .NET client is what Semantic Kernel's OpenAI connector and Microsoft.Extensions.AI.OpenAI send through.
        var openAi = new OpenAIClient(new System.ClientModel.ApiKeyCredential("sk-local"), new OpenAIClientOptions { Endpoint = new Uri(service.Process!.Address, "/v1") });
        using var chat = openAi.GetChatClient("ragassistant").AsIChatClient();
        var text = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(Question, cancellationToken: Ct))
        {
            text.Append(update.Text);
        }

        var models = await http.GetAsync(new Uri("/v1/models", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/app.js")]
    [InlineData("/api/status")]
    [InlineData("/api/papers/no-such-paper")]
    [InlineData("/health/live")]
    [InlineData("/v1/models")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var client = Client();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Single(response, "Referrer-Policy"));
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
        var policy = Single(response, "Content-Security-Policy");
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"max_tokens": "5", "messages": [{"role": "user", "content": "q"}]}""", "'max_tokens' must be a whole number (a JSON number such as 5, without quotes)")]
    [InlineData("/v1/chat/completions", """{"max_completion_tokens": "5", "messages": [{"role": "user", "content": "q"}]}""", "'max_completion_tokens' must be a whole number (a JSON number such as 5, without quotes)")]
    [InlineData("/v1/chat/completions", """{"stream": "true", "messages": [{"role": "user", "content": "q"}]}""", "'stream' must be true or false (a JSON boolean, without quotes)")]
    [InlineData("/api/ask", """{"question": "q", "top_k": "5"}""", "'top_k' must be a whole number (a JSON number such as 5, without quotes)")]
    [InlineData("/api/search", """{"query": "q", "top_k": "5"}""", "'top_k' must be a whole number (a JSON number such as 5, without quotes)")]
    public async Task Numbers_and_booleans_sent_as_strings_are_refused_naming_the_type(string path, string body, string expected)
    {
        using var client = Client();

        using var response = await client.SendAsync(Post(path, body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage Post(string path, string json) =>
        new(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static string Single(HttpResponseMessage response, string header) =>
        Assert.Single(response.Headers.TryGetValues(header, out var values) ? values : response.Content.Headers.TryGetValues(header, out var content) ? content : []);
}
