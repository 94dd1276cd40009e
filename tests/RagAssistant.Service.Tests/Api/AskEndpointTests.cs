using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Contract;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Api;

public sealed class AskEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ask_streams_tokens_then_sources_then_done()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostStreamingAsync("/api/ask", new { question = "What is speculative decoding?" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);
        var names = events.Select(e => e.Event).ToList();
        Assert.Equal("retrieved", names[0]);
        Assert.True(names.Count(n => n == "token") > 1, "the answer arrives in several token events");
        Assert.Equal(["sources", "done"], names.Skip(1).SkipWhile(n => n == "token"));

        var streamed = string.Concat(events.Where(e => e.Event == "token").Select(e => e.Json.GetProperty("text").GetString()));
        var done = events[^1].Json;
        Assert.Equal(FakeAnswerPipeline.AnswerFor("What is speculative decoding?"), streamed);
        Assert.Equal(streamed, done.GetProperty("answer").GetString());
        Assert.Equal("What is speculative decoding?", done.GetProperty("question").GetString());
        Assert.Equal(42, done.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.True(done.GetProperty("timings_ms").GetProperty("total").GetDouble() > 0);

        var sources = events[^2].Json;
        Assert.Equal("speculative-decoding", sources.GetProperty("citations")[0].GetProperty("paper_id").GetString());
        Assert.Equal(1, sources.GetProperty("sources")[0].GetProperty("n").GetInt32());
        Assert.Equal("Fast Inference with Speculative Decoding", sources.GetProperty("sources")[0].GetProperty("title").GetString());
        Assert.Equal("generated", sources.GetProperty("mode").GetString());

        // The sources are known before any answer text: the retrieved event names them with the same shape.
        var retrieved = events[0].Json;
        Assert.Equal("What is speculative decoding?", retrieved.GetProperty("search_query").GetString());
        Assert.Equal(sources.GetProperty("sources").GetRawText(), retrieved.GetProperty("sources").GetRawText());
    }

    [Fact]
    public async Task The_done_event_the_json_answer_and_ask_json_are_one_contract()
    {
        const string Question = "What is speculative decoding?";
        await using var factory = new ServiceFactory();
        factory.Pipeline.CachedPromptTokens = 40;
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var streamed = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct);
        var events = await ServerSentEvents.ReadAllAsync(streamed, Ct);
        using var whole = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct, accept: "application/json");
        var jsonAnswer = JsonNode.Parse(await whole.Content.ReadAsStringAsync(Ct));

        // What `ask --json` prints for the same result (AskCommand writes AnswerJson.Serialize of it).
        var askJson = JsonNode.Parse(AnswerJson.Serialize(await factory.Pipeline.AnswerAsync(new AnswerRequest(Question), Ct)));

        var done = JsonNode.Parse(events.Single(e => e.Event == "done").Data);

        // Each answer names the conversation it was stored in (two questions without an id: two conversations), as
        // the X-Conversation-Id header did before the first event; ask --json without --conversation stores nothing.
        Assert.Equal(streamed.Headers.GetValues("X-Conversation-Id").Single(), done!["conversation_id"]!.GetValue<string>());
        Assert.Equal(whole.Headers.GetValues("X-Conversation-Id").Single(), jsonAnswer!["conversation_id"]!.GetValue<string>());
        Assert.Equal("conversation_id", done.AsObject().First().Key);
        done.AsObject().Remove("conversation_id");
        jsonAnswer.AsObject().Remove("conversation_id");
        Assert.True(JsonNode.DeepEquals(jsonAnswer, done), $"done event {done} differs from the JSON answer {jsonAnswer}");
        Assert.True(JsonNode.DeepEquals(askJson, done), $"done event {done} differs from ask --json {askJson}");
        Assert.Equal(
            ["question", "answer", "citations", "sources", "invalid_citations", "refused", "mode", "finish_reason", "usage", "timings_ms", "claims", "grounding"],
            done!.AsObject().Select(p => p.Key));

        // KV-cache reuse travels in the one contract too.
        Assert.Equal(["prompt_tokens", "completion_tokens", "cached_prompt_tokens"], done["usage"]!.AsObject().Select(p => p.Key));
        Assert.Equal(40, done["usage"]!["cached_prompt_tokens"]!.GetValue<int>());

        // The sources event uses the same source and citation shapes.
        var sources = events.Single(e => e.Event == "sources").Json;
        Assert.Equal(done["sources"]!.ToJsonString(), JsonNode.Parse(sources.GetProperty("sources").GetRawText())!.ToJsonString());
        Assert.Equal(done["citations"]!.ToJsonString(), JsonNode.Parse(sources.GetProperty("citations").GetRawText())!.ToJsonString());
    }

    [Fact]
    public async Task A_retrieval_only_answer_has_no_grounding_counts_in_the_json_answer_the_done_event_and_ask_json()
    {
        // Its claims are its quotes, "supported" by construction: the console says "no claim to check", and so does the
        // contract, with grounding null rather than {claims: 1, supported: 1}.
        const string Question = "What is speculative decoding?";
        const string Quote = "We speed up decoding with a draft model.";
        await using var factory = new ServiceFactory();
        factory.Pipeline.Mode = AnswerMode.RetrievalOnly;
        factory.Pipeline.Pieces = [$"Extracted from the papers:\n- {Quote} [1]"];
        factory.Pipeline.Claims = [(-1, new RagAssistant.Core.Evidence.AnswerClaim(Quote, [1], RagAssistant.Core.Evidence.ClaimVerdict.Supported, [new RagAssistant.Core.Evidence.ClaimEvidence(1, Quote, 1)], []))];
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var whole = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct, accept: "application/json");
        var jsonAnswer = JsonNode.Parse(await whole.Content.ReadAsStringAsync(Ct))!.AsObject();
        using var streamed = await client.PostStreamingAsync("/api/ask", new { question = Question }, Ct);
        var done = JsonNode.Parse((await ServerSentEvents.ReadAllAsync(streamed, Ct)).Single(e => e.Event == "done").Data)!.AsObject();
        var askJson = JsonNode.Parse(AnswerJson.Serialize(await factory.Pipeline.AnswerAsync(new AnswerRequest(Question), Ct)))!.AsObject();

        foreach (var answer in new[] { jsonAnswer, done, askJson })
        {
            Assert.Equal("retrieval-only", answer["mode"]!.GetValue<string>());
            Assert.True(answer.ContainsKey("grounding"), answer.ToJsonString());
            Assert.Null(answer["grounding"]);
            Assert.Equal(Quote, Assert.Single(answer["claims"]!.AsArray())!["text"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Ask_with_accept_json_returns_the_structured_result()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostStreamingAsync("/api/ask", new { question = "mixture of experts?", top_k = 3 }, Ct, accept: "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(FakeAnswerPipeline.AnswerFor("mixture of experts?"), result.GetProperty("answer").GetString());
        Assert.Equal(1, result.GetProperty("citations")[0].GetProperty("n").GetInt32());
        Assert.Equal("speculative-decoding", result.GetProperty("sources")[0].GetProperty("paper_id").GetString());
        Assert.False(result.GetProperty("refused").GetBoolean());
        Assert.Equal("generated", result.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task A_failure_mid_stream_arrives_as_an_error_event()
    {
        await using var factory = new ServiceFactory();
        factory.Pipeline.FailAfterFirstToken = new InvalidOperationException("the model ran out of context");
        using var client = factory.CreateStreamingClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostStreamingAsync("/api/ask", new { question = "anything" }, Ct);
        var events = await ServerSentEvents.ReadAllAsync(response, Ct);

        Assert.Equal(["retrieved", "token", "error"], events.Select(e => e.Event));
        var error = events[^1].Json;
        Assert.Contains("the model ran out of context", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(500, error.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("{\"question\": ", "not valid JSON (line 1, column 14).", "$")]
    [InlineData("not json", "The request body is not valid JSON (line 1, column 2).", "$")]
    [InlineData("[1, 2]", "The request body must be a JSON object such as {", "$")]
    [InlineData("null", "not null", "$")]
    [InlineData("", "body is empty", "$")]
    [InlineData("{\"question\": \"   \"}", "question is empty", "question")]
    [InlineData("{}", "question is empty", "question")]
    [InlineData("{\"question\": \"q\", \"top_k\": 0}", "top_k must be between 1 and 20, got 0.", "top_k")]
    [InlineData("{\"question\": \"q\", \"top_k\": 99999999999}", "top_k must be between 1 and 20, got 99999999999.", "top_k")]
    [InlineData("{\"question\": \"q\", \"top_k\": -99999999999}", "top_k must be between 1 and 20, got -99999999999.", "top_k")]
    [InlineData("{\"question\": \"q\", \"top_k\": 1e30}", "top_k must be between 1 and 20, got ", "top_k")]
    [InlineData("{\"question\": \"q\", \"top_k\": 2.5}", "The field 'top_k' must be a whole number (a JSON number such as 5, without quotes).", "top_k")]
    [InlineData("{\"question\": \"q\", \"topK\": 3}", "Unknown field 'topK': the fields are question, history, top_k, conversation_id. Did you mean 'top_k'?", "topK")]
    [InlineData("{\"question\": \"q\", \"topk\": 3}", "Did you mean 'top_k'?", "topk")]
    [InlineData("{\"question\": \"q\", \"histroy\": []}", "Did you mean 'history'?", "histroy")]
    [InlineData("{\"question\": \"q\", \"history\": [{\"role\": \"user\", \"contnet\": \"x\"}]}", "Unknown field 'contnet' in history[0]: the fields are role, content. Did you mean 'content'?", "history[0].contnet")]
    [InlineData("{\"question\": \"q\", \"top_k\": \"abc\"}", "The field 'top_k' must be a whole number (a JSON number such as 5, without quotes).", "top_k")]
    [InlineData("{\"question\": \"q\", \"top_k\": \"5\"}", "The field 'top_k' must be a whole number (a JSON number such as 5, without quotes).", "top_k")]
    [InlineData("{\"question\": 5}", "The field 'question' must be a string.", "question")]
    [InlineData("{\"question\": \"q\", \"history\": [{\"role\": 1}]}", "The field 'history[0].role' must be a string.", "history[0].role")]
    [InlineData("{\"question\": \"q\", \"history\": [{\"role\": \"system\", \"content\": \"x\"}]}", "history[0].role must be \"user\" or \"assistant\".", "history[0].role")]
    [InlineData("{\"question\": \"q\", \"history\": [{\"role\": \"user\", \"content\": \"x\"}, {\"content\": \"y\"}]}", "history[1].role must be \"user\" or \"assistant\".", "history[1].role")]
    [InlineData("{\"question\": \"q\", \"conversation_id\": \"c\", \"history\": [{\"role\": \"user\", \"content\": \"x\"}]}", "not both", "history")]
    [InlineData("{\"question\": \"q\", \"conversation_id\": \"c\", \"history\": []}", "Send either conversation_id or history, not both", "history")]
    [InlineData("{\"question\": \"q\", \"top_k\": 99999999999999999999999}", "top_k must be between 1 and 20, got a number far larger than 20.", "top_k")]
    [InlineData("{\"question\": \"q\", \"top_k\": -99999999999999999999999}", "top_k must be between 1 and 20, got a number far smaller than 1.", "top_k")]
    [InlineData("{\"question\": \"speculative \\ud800 decoding\"}", "The field 'question' is not valid Unicode text: it holds a lone surrogate", "question")]
    [InlineData("{\"question\": \"q\", \"history\": [{\"role\": \"user\", \"content\": \"\\udc00\"}]}", "The field 'history[0].content' is not valid Unicode text", "history[0].content")]
    [InlineData("{\"question\": \"hi\", \"question\": \"speculative decoding\"}", "The field 'question' appears more than once in the request body", "question")]
    [InlineData("{\"question\": \"q\", \"history\": [{\"role\": \"user\", \"role\": \"assistant\", \"content\": \"x\"}]}", "The field 'history[0].role' appears more than once", "history[0].role")]
    public async Task Bad_requests_get_a_problem_that_says_what_is_wrong_under_the_field_as_sent(string body, string expected, string field)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostRawAsync("/api/ask", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadProblemAsync(Ct);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\b(System|RagAssistant|Microsoft)\.[A-Za-z]|LineNumber|BytePosition|Path: \$", detail);

        // Every 400 names its field once more, as the client wrote it (the JSON path; $ for the whole body), and the detail is its message.
        var errors = problem.GetProperty("errors").EnumerateObject().ToList();
        Assert.Equal(field, Assert.Single(errors).Name);
        Assert.Equal(detail, Assert.Single(errors[0].Value.EnumerateArray()).GetString());
        Assert.Equal(0, factory.Pipeline.Started);
    }

    [Fact]
    public async Task A_body_its_validation_refuses_keeps_the_problem_shape_with_the_errors_by_field()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostRawAsync("/api/ask", "{\"question\": \"q\", \"history\": [{\"role\": \"robot\", \"content\": \"x\"}]}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadProblemAsync(Ct);
        Assert.Equal("The request is not valid.", problem.GetProperty("title").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal("history[0].role must be \"user\" or \"assistant\".", problem.GetProperty("detail").GetString());
        Assert.Equal("history[0].role", Assert.Single(problem.GetProperty("errors").EnumerateObject()).Name);
        Assert.Equal(0, factory.Pipeline.Started);
    }

    [Fact]
    public async Task A_history_role_in_any_case_is_accepted()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostRawAsync("/api/ask", "{\"question\": \"q\", \"history\": [{\"role\": \"User\", \"content\": \"x\"}, {\"role\": \"ASSISTANT\", \"content\": \"y\"}]}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["user", "assistant"], factory.Pipeline.Requests.Single().History!.Select(m => m.Role.Value));
    }

    [Fact]
    public async Task An_oversized_question_is_refused_with_the_configured_limit()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Ask:MaxQuestionChars"] = "40" });
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        using var response = await client.PostAsJsonAsync("/api/ask", new { question = new string('x', 41) }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString();
        Assert.Contains("41 characters", detail, StringComparison.Ordinal);
        Assert.Contains("Ask:MaxQuestionChars", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_refused_with_413()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Service:MaxRequestBodyBytes"] = "2048" });
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var history = Enumerable.Range(0, 10).Select(_ => new { role = "user", content = new string('y', 300) });
        using var response = await client.PostAsJsonAsync("/api/ask", new { question = "q", history }, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("2048 bytes", (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_with_415()
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostRawAsync("/api/ask", "question=hi", Ct, "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", (await response.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_turns_reach_the_pipeline_and_too_many_are_refused()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Ask:MaxHistoryMessages"] = "2" });
        using var client = factory.CreateClient();
        await client.WaitUntilReadyAsync();

        var twoTurns = new[] { new { role = "user", content = "hi" }, new { role = "assistant", content = "hello" } };
        using var accepted = await client.PostStreamingAsync("/api/ask", new { question = "q", history = twoTurns }, Ct, accept: "application/json");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        using var refused = await client.PostAsJsonAsync("/api/ask", new { question = "q", history = twoTurns.Append(twoTurns[0]) }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Ask:MaxHistoryMessages", (await refused.ReadProblemAsync(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/ask", """{"question": "q"}""")]
    [InlineData("/api/search", """{"query": "q"}""")]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "q"}]}""")]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "q"}], "stream": true}""")]
    public async Task Before_the_index_is_built_questions_get_503_with_retry_after(string path, string body)
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?> { ["Service:RetryAfterSeconds"] = "9" }, indexReady: false);
        using var client = factory.CreateClient();

        using var response = await client.PostRawAsync(path, body, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(9), response.Headers.RetryAfter?.Delta);
        if (path.StartsWith("/v1", StringComparison.Ordinal))
        {
            // OpenAI clients read error.message: /v1 answers in OpenAI's error shape.
            var error = await response.ReadOpenAiErrorAsync(Ct);
            Assert.Contains("still being indexed", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal("server_error", error.GetProperty("type").GetString());
            Assert.Equal("service_unavailable", error.GetProperty("code").GetString());
            return;
        }

        var problem = await response.ReadProblemAsync(Ct);
        Assert.Equal("The assistant is not ready.", problem.GetProperty("title").GetString());
        Assert.Contains("still being indexed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
