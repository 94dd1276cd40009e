using System.Text.Json;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Tests.Answering;

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
    }
}
