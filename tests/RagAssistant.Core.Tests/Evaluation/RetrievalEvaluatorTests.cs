using System.Text.Json;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Ingestion;

namespace RagAssistant.Core.Tests.Evaluation;

public sealed class RetrievalEvaluatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Computes_recall_and_mrr_per_kind_and_leaves_unanswerable_out_of_recall()
    {
        using var folder = new TempFolder();
        var set = folder.Write("set.jsonl", string.Join('\n',
            """{"id": "q1", "question": "one", "gold_titles": ["Paper A"], "kind": "lexical"}""",
            """{"id": "q2", "question": "two", "gold_titles": ["paper b!", "Paper F"], "kind": "multi"}""",
            """{"id": "q3", "question": "three", "gold_titles": [], "kind": "unanswerable"}""",
            """{"id": "q4", "question": "four", "gold_titles": ["Paper L"], "kind": "lexical"}""",
            "{ not json"));
        // Fixed rankings: q1 finds A first; q2 finds B at 2 and F at 6; q4 misses L; relevance falls with rank.
        var retriever = new ScriptedRetriever(new()
        {
            ["one"] = ["Paper A", "Paper B"],
            ["two"] = ["Paper C", "Paper B", "Paper D", "Paper E", "Paper G", "Paper F"],
            ["three"] = ["Paper C"],
            ["four"] = ["Paper A", "Paper B", "Paper C", "Paper D", "Paper E", "Paper F", "Paper G", "Paper H", "Paper I", "Paper J", "Paper L"],
        }, relevance: new() { ["one"] = 0.9, ["two"] = 0.6, ["three"] = 0.2, ["four"] = 0.4 });

        var report = await new RetrievalEvaluator(retriever, retriever).EvaluateAsync(set, RetrieverKind.Bm25, Ct);

        Assert.Equal(3, report.Overall.Questions);
        Assert.Equal(1, report.Unanswerable);
        Assert.Equal(new RetrievalMetrics(0.5, 0.5, 0.5, 2), report.ByKind["lexical"]);
        Assert.Equal(new RetrievalMetrics(0.5, 1.0, 0.5, 1), report.ByKind["multi"]);
        Assert.Equal(Math.Round(1.5 / 3, 4), report.Overall.RecallAt5);
        Assert.Equal(Math.Round(2.0 / 3, 4), report.Overall.RecallAt10);
        Assert.Equal(0.5, report.Overall.MrrAt10); // (1 + 1/2 + 0) / 3
        Assert.False(report.ByKind.ContainsKey("unanswerable"));
        Assert.Contains(report.Problems, p => p.StartsWith("set.jsonl:5: malformed JSON", StringComparison.Ordinal));

        var separation = report.Relevance!;
        Assert.Equal(0.3, separation.BestThreshold, 6); // midway between 0.2 (unanswerable) and 0.4 (lowest answerable)
        Assert.Equal(1.0, separation.AccuracyAtBestThreshold);
        Assert.Equal([0.4, 0.6, 0.9], separation.Answerable.Values);
    }

    [Fact]
    public void The_suggested_threshold_refuses_the_most_unanswerable_questions_within_five_percent_of_the_answerable()
    {
        // 40 answerable (2 of them weak) and 1 unanswerable: plain accuracy would answer everything (1 error against 2);
        // refusing 2 of 40 answerable (5%) to refuse the uncovered question is the target the gate was chosen for.
        double[] answerable = [0.05, 0.06, .. Enumerable.Repeat(0.5, 38)];

        var separation = RetrievalEvaluator.Separate(answerable, [0.1])!;

        Assert.Equal(0.3, separation.BestThreshold, 6);
        Assert.Equal((2, 0), (separation.AnswerableRefused, separation.UnanswerableAccepted));

        // A third weak answerable question would be over 5%: then the uncovered one is accepted, nothing refused.
        var over = RetrievalEvaluator.Separate([0.05, 0.06, 0.07, .. Enumerable.Repeat(0.5, 37)], [0.1])!;
        Assert.Equal((0, 1), (over.AnswerableRefused, over.UnanswerableAccepted));
    }

    [Fact]
    public async Task Json_has_the_documented_shape()
    {
        using var folder = new TempFolder();
        var set = folder.Write("set.jsonl", """{"id": "q1", "question": "one", "gold_titles": ["Paper A"], "kind": "paraphrase"}""");
        var retriever = new ScriptedRetriever(new() { ["one"] = ["Paper A"] }, new() { ["one"] = 1 });

        var report = await new RetrievalEvaluator(retriever, retriever).EvaluateAsync(set, RetrieverKind.Hybrid, Ct);
        using var json = JsonDocument.Parse(report.ToJson());

        var root = json.RootElement;
        foreach (var section in new[] { root.GetProperty("overall"), root.GetProperty("by_kind").GetProperty("paraphrase") })
        {
            Assert.Equal(1.0, section.GetProperty("recall@5").GetDouble());
            Assert.Equal(1.0, section.GetProperty("recall@10").GetDouble());
            Assert.Equal(1.0, section.GetProperty("mrr@10").GetDouble());
            Assert.Equal(1, section.GetProperty("questions").GetInt32());
        }

        Assert.Equal("hybrid", root.GetProperty("retriever").GetString());
        Assert.Contains("paraphrase", report.ToTable(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_question_set_is_a_clear_error()
    {
        var retriever = new ScriptedRetriever([], []);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => new RetrievalEvaluator(retriever, retriever).EvaluateAsync("/no/such/set.jsonl", RetrieverKind.Bm25, Ct));

        Assert.Contains("/no/such/set.jsonl", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Returns fixed rankings per question; hits' relevance is the question's value divided by rank.</summary>
    private sealed class ScriptedRetriever(Dictionary<string, string[]> rankings, Dictionary<string, double> relevance) : IPaperRetriever, IPaperCatalog
    {
        private readonly List<Paper> _papers = rankings.Values.SelectMany(t => t).Distinct()
            .Select(t => new Paper(PaperIdentity.CreateId(t), t, "abstract", null, null, "f", 1)).ToList();

        public int Count => _papers.Count;

        public IReadOnlyList<Paper> Papers => _papers;

        public Paper? GetPaper(string id) => _papers.Find(p => p.Id == id);

        public Task<RetrievalResult> SearchAsync(string query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default)
        {
            var hits = rankings[query].Take(topK ?? 5).Select((title, i) =>
            {
                var paper = _papers.Single(p => p.Title == title);
                return new RetrievedPassage(paper, new Passage(paper.Id + "#0", paper.Id, 0, paper.Abstract), 1.0 / (i + 1), relevance[query] / (i + 1), i + 1, null);
            }).ToList();
            return Task.FromResult(new RetrievalResult(query, hits, kind ?? RetrieverKind.Bm25, null));
        }
    }
}
