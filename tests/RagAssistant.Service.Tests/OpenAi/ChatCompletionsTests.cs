using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.OpenAi;

public sealed class ChatCompletionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IChatClient OpenAiChatClient(HttpClient http) =>
        new OpenAIClient(
                new ApiKeyCredential("x"),
                new OpenAIClientOptions { Endpoint = new Uri(http.BaseAddress!, "/v1"), Transport = new HttpClientPipelineTransport(http) })
            .GetChatClient("ragassistant")
            .AsIChatClient();

    [Fact]
    public async Task The_openai_client_gets_a_grounded_answer_with_citations()
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateStreamingClient();
        await http.WaitUntilReadyAsync();
        using var chat = OpenAiChatClient(http);

        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are helpful."), new ChatMessage(ChatRole.User, "What is speculative decoding?")],
            cancellationToken: Ct);

        Assert.Equal(FakeAnswerPipeline.AnswerFor("What is speculative decoding?"), response.Text);
        Assert.Contains("[1]", response.Text, StringComparison.Ordinal);
        Assert.Equal(42, response.Usage?.InputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task The_openai_client_streams_the_answer()
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateStreamingClient();
        await http.WaitUntilReadyAsync();
        using var chat = OpenAiChatClient(http);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(
            [new ChatMessage(ChatRole.User, "hi"), new ChatMessage(ChatRole.Assistant, "hello"), new ChatMessage(ChatRole.User, "mixture of experts?")],
            cancellationToken: Ct))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count(u => !string.IsNullOrEmpty(u.Text)) > 1, "text arrives in several chunks");
        Assert.Equal(FakeAnswerPipeline.AnswerFor("mixture of experts?"), string.Concat(updates.Select(u => u.Text)));
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Stop);
    }

    [Fact]
    public async Task Raw_responses_carry_the_sources_in_an_extra_field()
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateStreamingClient();
        await http.WaitUntilReadyAsync();
        var body = new { model = "anything", messages = new[] { new { role = "user", content = "speculative decoding" } } };

        using var plain = await http.PostAsJsonAsync("/v1/chat/completions", body, Ct);
        var completion = JsonDocument.Parse(await plain.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("chat.completion", completion.GetProperty("object").GetString());
        Assert.Equal("speculative-decoding", completion.GetProperty("sources")[0].GetProperty("paper_id").GetString());
        Assert.Equal(42, completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        using var streamed = await http.PostStreamingAsync("/v1/chat/completions", new { body.model, body.messages, stream = true, stream_options = new { include_usage = true } }, Ct);
        var events = await ServerSentEvents.ReadAllAsync(streamed, Ct);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.SkipLast(1).Select(e => e.Json).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        var final = chunks.Single(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        Assert.Equal("Fast Inference with Speculative Decoding", final.GetProperty("sources")[0].GetProperty("title").GetString());
        Assert.Equal(42, chunks[^1].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Usage_reports_the_prompt_tokens_reused_from_the_kv_cache_as_openai_does()
    {
        await using var factory = new ServiceFactory { Pipeline = new FakeAnswerPipeline { CachedPromptTokens = 30 } };
        using var http = factory.CreateStreamingClient();
        await http.WaitUntilReadyAsync();
        var messages = new[] { new { role = "user", content = "speculative decoding" } };

        using var plain = await http.PostAsJsonAsync("/v1/chat/completions", new { messages }, Ct);
        using var streamed = await http.PostStreamingAsync("/v1/chat/completions", new { messages, stream = true, stream_options = new { include_usage = true } }, Ct);

        var completion = JsonDocument.Parse(await plain.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(30, completion.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        var chunks = (await ServerSentEvents.ReadAllAsync(streamed, Ct)).SkipLast(1).Select(e => e.Json).ToList();
        Assert.Equal(30, chunks[^1].GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Fact]
    public async Task Citations_and_sources_have_the_shape_of_api_ask_with_rounded_scores()
    {
        await using var factory = new ServiceFactory
        {
            Pipeline = new FakeAnswerPipeline([new(1, "speculative-decoding", "Fast Inference with Speculative Decoding", "2023", "papers.jsonl", 0.123456789, "Draft models.")]) { EchoQuestion = true },
        };
        using var http = factory.CreateStreamingClient();
        await http.WaitUntilReadyAsync();
        const string Question = "speculative decoding";

        using var api = await http.PostStreamingAsync("/api/ask", new { question = Question }, Ct, accept: "application/json");
        var answer = JsonDocument.Parse(await api.Content.ReadAsStringAsync(Ct)).RootElement;
        using var plain = await http.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = Question } } }, Ct);
        var completion = JsonDocument.Parse(await plain.Content.ReadAsStringAsync(Ct)).RootElement;
        using var streamed = await http.PostStreamingAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = Question } }, stream = true }, Ct);
        var final = (await ServerSentEvents.ReadAllAsync(streamed, Ct)).SkipLast(1).Select(e => e.Json).Single(c => c.TryGetProperty("sources", out _));

        // The documented contract of /api/ask: n, paper_id, title (and score, date for sources), the score rounded.
        var citation = Assert.Single(answer.GetProperty("citations").EnumerateArray());
        Assert.Equal(1, citation.GetProperty("n").GetInt32());
        var source = Assert.Single(answer.GetProperty("sources").EnumerateArray());
        Assert.Equal(0.1235, source.GetProperty("score").GetDouble());
        foreach (var openAi in new[] { completion, final })
        {
            foreach (var field in new[] { "citations", "sources" })
            {
                Assert.True(
                    System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(answer.GetProperty(field).GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(openAi.GetProperty(field).GetRawText())),
                    $"/v1 {field} {openAi.GetProperty(field)} differ from /api/ask's {answer.GetProperty(field)}");
            }
        }
    }

    [Fact]
    public async Task Models_lists_the_assistant()
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateClient();

        var models = JsonDocument.Parse(await http.GetStringAsync(new Uri("/v1/models", UriKind.Relative), Ct)).RootElement;

        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal("ragassistant", models.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal("model", models.GetProperty("data")[0].GetProperty("object").GetString());
    }

    [Theory]
    [InlineData("{\"messages\": [", "not valid JSON", null)]
    [InlineData("{\"messages\": []}", "messages is empty: send the conversation as an array ending with the question", "messages")]
    [InlineData("{}", "messages is missing: send the conversation as an array ending with the question", "messages")]
    [InlineData("{\"stream\": \"yes\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}", "The field 'stream' must be true or false (a JSON boolean, without quotes).", "stream")]
    [InlineData("{\"stream\": \"true\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}", "The field 'stream' must be true or false (a JSON boolean, without quotes).", "stream")]
    [InlineData("{\"max_tokens\": \"many\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}", "The field 'max_tokens' must be a whole number (a JSON number such as 5, without quotes).", "max_tokens")]
    [InlineData("{\"max_tokens\": \"5\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}", "The field 'max_tokens' must be a whole number (a JSON number such as 5, without quotes).", "max_tokens")]
    [InlineData("{\"max_completion_tokens\": \"5\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}", "The field 'max_completion_tokens' must be a whole number (a JSON number such as 5, without quotes).", "max_completion_tokens")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "last message must come from the user", "messages")]
    [InlineData("{\"messages\": [{\"role\": \"tool\", \"content\": \"q\"}]}", "messages[0].role must be \"system\", \"user\" or \"assistant\".", "messages[0].role")]
    [InlineData("{\"messages\": [{\"content\": \"q\"}]}", "messages[0].role must be \"system\", \"user\" or \"assistant\".", "messages[0].role")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", "messages[0].content must be a string or an array of text parts.", "messages[0].content")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"speculative \\ud800 decoding\"}]}", "messages[0].content is not valid Unicode text: it holds a lone surrogate", "messages[0].content")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"\\udc00\"}]}]}", "messages[0].content is not valid Unicode text", "messages[0].content")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}], \"messages\": []}", "The field 'messages' appears more than once in the request body", "messages")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \" \"}]}", "question is empty", "messages")]
    [InlineData("{\"max_tokens\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}", "max_tokens must be at least 1", "max_tokens")]
    [InlineData("{\"max_tokens\": 5, \"max_completion_tokens\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}", "max_completion_tokens must be at least 1", "max_completion_tokens")]
    public async Task Bad_completions_get_an_error_that_names_the_param(string body, string expected, string? param)
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync("/v1/chat/completions", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.ReadOpenAiErrorAsync(Ct);
        var detail = error.GetProperty("message").GetString()!;
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\b(System|RagAssistant|Microsoft)\.[A-Za-z]|LineNumber|BytePosition", detail);

        // OpenAI's param names the field at fault as the client wrote it; null for the body as a whole.
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Content_parts_are_read_as_text()
    {
        await using var factory = new ServiceFactory();
        using var http = factory.CreateClient();
        await http.WaitUntilReadyAsync();

        using var response = await http.PostRawAsync(
            "/v1/chat/completions",
            "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"parts \"}, {\"type\": \"text\", \"text\": \"question\"}]}]}",
            Ct);

        var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(FakeAnswerPipeline.AnswerFor("parts question"), completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }
}
