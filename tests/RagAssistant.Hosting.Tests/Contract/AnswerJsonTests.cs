using System.Text.Json;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Evidence;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Hosting.Tests.Contract;

public sealed class AnswerJsonTests
{
    private static AnswerResult Sample(AnswerMode mode) => new(
        "What is the densing law?",
        "What is the densing law?",
        "Density doubles every three months [1] [?5].",
        [new AnswerCitation(1, "densing-law-of-llms-1a2b3c4d", "Densing Law of LLMs")],
        [
            new AnswerSource(1, "densing-law-of-llms-1a2b3c4d", "Densing Law of LLMs", "Dec 5, 2024", "000_x.txt", 0.81234567, "text"),
            new AnswerSource(2, "a-survey-of-large-language-models-00ff00ff", "A Survey of Large Language Models — ä", null, "001_y.txt", 0.4, "text"),
        ],
        [5],
        false,
        mode,
        new AnswerUsage(300, 20) { CachedPromptTokens = 256 },
        new AnswerTimings(12.34, 250.5, 900.25, 1163.09));

    [Fact]
    public void Claims_and_grounding_have_exactly_the_documented_names()
    {
        var claims = new[]
        {
            new AnswerClaim("Density doubles [2].", [2], ClaimVerdict.Unsupported, [new ClaimEvidence(2, "Two.", 0.21), new ClaimEvidence(4, "Four.", 0.834)], [4]),
            new AnswerClaim("Loss is predictable.", [], ClaimVerdict.Uncited, [], []),
        };
        using var document = JsonDocument.Parse(AnswerJson.Serialize(Sample(AnswerMode.Generated) with { Claims = claims }));
        var root = document.RootElement;

        var claim = root.GetProperty("claims")[0];
        Assert.Equal(["text", "cited", "verdict", "evidence", "suggested"], claim.EnumerateObject().Select(p => p.Name));
        Assert.Equal("unsupported", claim.GetProperty("verdict").GetString());
        Assert.Equal(["n", "sentence", "score"], claim.GetProperty("evidence")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, claim.GetProperty("suggested")[0].GetInt32());
        Assert.Equal("uncited", root.GetProperty("claims")[1].GetProperty("verdict").GetString());
        Assert.Equal(
            """{"claims":2,"supported":0,"partly":0,"unsupported":1,"uncited":1}""",
            JsonSerializer.Serialize(root.GetProperty("grounding")));
        Assert.Equal(
            """{"text":"Density doubles [2].","cited":[2],"verdict":"unsupported","evidence":[{"n":2,"sentence":"Two.","score":0.21},{"n":4,"sentence":"Four.","score":0.834}],"suggested":[4]}""",
            AnswerJson.SerializeClaimEvent(claims[0]));
    }

    [Fact]
    public void A_stored_answer_object_reads_back_as_it_was_written()
    {
        var claims = new[] { new AnswerClaim("Density doubles [1].", [1], ClaimVerdict.Partly, [new ClaimEvidence(1, "Density doubles.", 0.61)], [2]) };
        var written = AnswerJson.ToDocument(Sample(AnswerMode.NotCovered) with { Claims = claims });
        var stored = ConversationService.ToAnswerJson(Sample(AnswerMode.NotCovered) with { Claims = claims }, "0123456789abcdef0123456789abcdef", indented: false);

        var read = AnswerJson.Deserialize(stored);

        Assert.NotNull(read);
        Assert.Equal(written.Sources, read.Sources);
        Assert.Equal(written.Citations, read.Citations);
        Assert.Equal(written.Mode, read.Mode);
        Assert.Equal(written.Usage, read.Usage);
        Assert.Equal(written.Claims[0].Evidence, read.Claims[0].Evidence);
        Assert.Equal(written.Claims[0].Verdict, read.Claims[0].Verdict);
        Assert.Equal(written.Grounding, read.Grounding);
        Assert.Null(AnswerJson.Deserialize("not json"));
    }

    [Fact]
    public void Serializes_exactly_the_ask_JSON_shape()
    {
        using var document = JsonDocument.Parse(AnswerJson.Serialize(Sample(AnswerMode.Generated)));
        var root = document.RootElement;

        Assert.Equal(
            ["question", "answer", "citations", "sources", "invalid_citations", "refused", "mode", "finish_reason", "usage", "timings_ms", "claims", "grounding"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("What is the densing law?", root.GetProperty("question").GetString());
        Assert.Equal("Density doubles every three months [1] [?5].", root.GetProperty("answer").GetString());
        var citation = Assert.Single(root.GetProperty("citations").EnumerateArray());
        Assert.Equal(["n", "paper_id", "title"], citation.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, citation.GetProperty("n").GetInt32());
        var sources = root.GetProperty("sources").EnumerateArray().ToList();
        Assert.Equal(["n", "paper_id", "title", "score", "relevance_score", "date"], sources[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("Dec 5, 2024", sources[0].GetProperty("date").GetString());
        Assert.Equal(["n", "paper_id", "title", "score", "relevance_score"], sources[1].EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.8123, sources[0].GetProperty("score").GetDouble());
        Assert.Equal("A Survey of Large Language Models — ä", sources[1].GetProperty("title").GetString());
        Assert.Equal([5], root.GetProperty("invalid_citations").EnumerateArray().Select(e => e.GetInt32()));
        Assert.False(root.GetProperty("refused").GetBoolean());
        Assert.Equal("generated", root.GetProperty("mode").GetString());
        Assert.Equal("stop", root.GetProperty("finish_reason").GetString());
        Assert.Equal(300, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(20, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(["prompt_tokens", "completion_tokens", "cached_prompt_tokens"], root.GetProperty("usage").EnumerateObject().Select(p => p.Name));
        Assert.Equal(256, root.GetProperty("usage").GetProperty("cached_prompt_tokens").GetInt32());
        var timings = root.GetProperty("timings_ms");
        Assert.Equal(["retrieval", "first_token", "generation", "total"], timings.EnumerateObject().Select(p => p.Name));
        Assert.Equal(250.5, timings.GetProperty("first_token").GetDouble());
    }

    [Fact]
    public void Retrieval_only_mode_is_named_as_the_CLI_prints_it()
    {
        var node = AnswerJson.ToJsonNode(Sample(AnswerMode.RetrievalOnly));

        Assert.Equal("retrieval-only", node["mode"]!.GetValue<string>());
    }

    [Fact]
    public void Cached_prompt_tokens_are_absent_when_the_runtime_does_not_report_them()
    {
        var node = AnswerJson.ToJsonNode(Sample(AnswerMode.Generated) with { Usage = new AnswerUsage(300, 20) });

        Assert.Equal(["prompt_tokens", "completion_tokens"], node["usage"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Not_covered_mode_is_named_for_what_happened()
    {
        var node = AnswerJson.ToJsonNode(Sample(AnswerMode.NotCovered));

        Assert.Equal("not-covered", node["mode"]!.GetValue<string>());
        Assert.Null(node["chat"]); // absent unless the question was chat
    }

    [Fact]
    public void A_chat_reply_says_chat_beside_its_not_covered_mode()
    {
        var node = AnswerJson.ToJsonNode(Sample(AnswerMode.NotCovered) with { Answer = AnswerPipeline.ChatReply, Refused = true });

        Assert.Equal("not-covered", node["mode"]!.GetValue<string>());
        Assert.True(node["chat"]!.GetValue<bool>());
    }

    [Fact]
    public void The_json_of_ask_names_the_finish_reason()
    {
        var result = new AnswerResult("q", "q", "a", [], [], [], false, AnswerMode.Generated, new AnswerUsage(1, 1), new AnswerTimings(0, 0, 0, 0))
        {
            FinishReason = AnswerFinishReason.Length,
        };

        Assert.Contains("\"finish_reason\": \"length\"", AnswerJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public void Sources_carry_the_ranking_score_they_are_ordered_by_and_the_relevance_apart()
    {
        var sources = new[]
        {
            new AnswerSource(1, "a", "A", null, "a.txt", 1.9, "text") { Relevance = 0.41 },
            new AnswerSource(2, "b", "B", null, "b.txt", 1.2, "text") { Relevance = 0.67 },
        };

        var document = AnswerJson.ToDocument(Sample(AnswerMode.Generated) with { Sources = sources });

        Assert.Equal([1.9, 1.2], document.Sources.Select(s => s.Score));
        Assert.Equal([0.41, 0.67], document.Sources.Select(s => s.RelevanceScore));
    }

    [Fact]
    public void The_eval_summary_has_the_documented_names_and_the_grounding_shares()
    {
        AnswerEvalOutcome Outcome(string id, double totalMs, GroundingSummary grounding) =>
            new(id, "lexical", Answerable: true, Refused: false, ValidCitations: 1, InvalidCitations: 0, GoldCited: true, new AnswerTimings(0, 0, 0, totalMs), Error: null) { Grounding = grounding };
        var report = new AnswerEvalReport(
            AnswerMode.Generated, 0.5, 1.0 / 3, 0.75, 1.0 / 3, new AnswerTimings(0, 0, 0, 300),
            [Outcome("d1", 100, new GroundingSummary(3, 1, 0, 1, 1)), Outcome("d2", 300, new GroundingSummary(1, 1, 0, 0, 0)), Outcome("d3", 500, new GroundingSummary(0, 0, 0, 0, 0))]);

        using var json = JsonDocument.Parse(AnswerJson.Serialize(report));

        Assert.Equal(0.5, json.RootElement.GetProperty("unanswerable_refused").GetDouble());
        Assert.Equal(300, json.RootElement.GetProperty("median_timings_ms").GetProperty("total").GetDouble());
        Assert.Equal(3, json.RootElement.GetProperty("per_question").GetArrayLength());
        var grounding = json.RootElement.GetProperty("grounding");
        Assert.Equal(4, grounding.GetProperty("claims").GetInt32());
        Assert.Equal(0.5, grounding.GetProperty("supported").GetDouble());
        Assert.Equal(0.25, grounding.GetProperty("uncited").GetDouble());
        Assert.Equal(3, json.RootElement.GetProperty("per_question")[0].GetProperty("grounding").GetProperty("claims").GetInt32());
    }
}
