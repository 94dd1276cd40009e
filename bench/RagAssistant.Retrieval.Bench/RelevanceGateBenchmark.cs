using Microsoft.Extensions.Options;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// How well the "not covered" gate separates answerable from unanswerable dev questions, for several ways of turning
/// keyword coverage and the dense cosine into one relevance: for each, the highest threshold that refuses at most
/// 10% of the answerable questions, and how many unanswerable ones it catches there.
/// </summary>
internal static class RelevanceGateBenchmark
{
    public static async Task<IReadOnlyList<GateResult>> RunAsync(string corpus, string set, string cacheFolder, CancellationToken cancellationToken)
    {
        var (generator, index) = await BenchCorpus.CreateBundledIndexAsync(corpus, cacheFolder, cancellationToken);
        using var owned = generator;
        using var ownedIndex = index;
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), generator);
        var questions = EvalQuestion.ReadSet(set, []);
        var samples = new List<(bool Answerable, IReadOnlyList<RetrievedPassage> Hits)>();
        foreach (var question in questions)
        {
            var result = await retriever.SearchAsync(question.Question, 5, RetrieverKind.Hybrid, cancellationToken);
            samples.Add((!question.IsUnanswerable, result.Hits));
        }

        var formulas = new List<(string Name, Func<RetrievedPassage, double> Relevance)>
        {
            ("keyword coverage only", h => h.LexicalRelevance),
            ("cosine only", h => h.Cosine ?? 0),
            ("mean(coverage, cosine)", h => (h.LexicalRelevance + (h.Cosine ?? 0)) / 2),
            ("cosine + 0.2 x coverage", h => (h.Cosine ?? 0) + (0.2 * h.LexicalRelevance)),
            ("cosine x coverage", h => (h.Cosine ?? 0) * h.LexicalRelevance),
            ("RelevanceScore (default: rescaled cosine)", h => h.RelevanceScore),
        };
        foreach (var floor in new[] { 0.5, 0.6 })
        {
            formulas.Add(($"mean(coverage, rescaled cosine floor {floor})", h => (h.LexicalRelevance + Rescale(h.Cosine, floor)) / 2));
        }

        var results = new List<GateResult>();
        var defaultThreshold = new RagAssistant.Core.Answering.AnsweringOptions().MinRelevance;
        foreach (var (name, relevance) in formulas)
        {
            var best = samples.Select(s => (s.Answerable, Best: s.Hits.Count == 0 ? 0 : s.Hits.Max(relevance))).ToList();
            var answerable = best.Where(b => b.Answerable).Select(b => b.Best).Order().ToList();
            var unanswerable = best.Where(b => !b.Answerable).Select(b => b.Best).ToList();
            var allowed = (int)Math.Floor(answerable.Count * 0.10);

            // Highest threshold refusing at most `allowed` answerable questions: just above the allowed-th lowest.
            var threshold = name.StartsWith("RelevanceScore", StringComparison.Ordinal) ? defaultThreshold
                : allowed < answerable.Count ? answerable[allowed] : answerable[^1];
            var caught = unanswerable.Count(v => v < threshold);
            var refused = answerable.Count(v => v < threshold);
            results.Add(new GateResult(name, Math.Round(threshold, 4), refused, answerable.Count, caught, unanswerable.Count,
                Math.Round(answerable[0], 3), Math.Round(answerable[^1], 3), Math.Round(unanswerable.Min(), 3), Math.Round(unanswerable.Max(), 3)));
        }

        return results;
    }

    private static double Rescale(double? cosine, double floor) => Math.Clamp(((cosine ?? 0) - floor) / (1 - floor), 0, 1);
}

internal sealed record GateResult(string Formula, double Threshold, int AnswerableRefused, int Answerable, int UnanswerableCaught, int Unanswerable, double AnswerableMin, double AnswerableMax, double UnanswerableMin, double UnanswerableMax);
