using System.Globalization;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>Measures BM25 analysis variants (stemming, title weight, pseudo-relevance feedback) on a question set.</summary>
internal static class Bm25VariantsBenchmark
{
    public static async Task<IReadOnlyList<Bm25VariantResult>> RunAsync(string corpus, string set, CancellationToken cancellationToken)
    {
        var variants = new List<(string Name, Bm25Options Options)>
        {
            ("plain (no stemming, no stop words, abstract only)", new Bm25Options { Stemming = false, QuestionStopWords = false, TitleBoost = 0 }),
            ("plain + title x1", new Bm25Options { Stemming = false, QuestionStopWords = false, TitleBoost = 1 }),
            ("english (stemming, Lucene stop words) + title x0.5", new Bm25Options { Stemming = true, QuestionStopWords = false, TitleBoost = 0.5f }),
            ("english (stemming, Lucene stop words) + title x1", new Bm25Options { Stemming = true, QuestionStopWords = false, TitleBoost = 1 }),
            ("english + title x0.5, IDF² relevance", new Bm25Options { Stemming = true, TitleBoost = 0.5f, RelevanceWeighting = RelevanceWeighting.IdfSquared }),
            ("english + question stop words, no title", new Bm25Options { Stemming = true, QuestionStopWords = true, TitleBoost = 0 }),
        };
        foreach (var boost in new[] { 0.5f, 1f, 2f, 3f })
        {
            variants.Add(($"english + question stop words + title x{F(boost)}", new Bm25Options { Stemming = true, QuestionStopWords = true, TitleBoost = boost }));
        }

        foreach (var boost in new[] { 0f, 0.5f, 1f })
        {
            foreach (var (docs, terms, weight) in new[] { (3, 10, 0.3f), (5, 10, 0.3f), (3, 20, 0.2f), (10, 20, 0.3f) })
            {
                variants.Add(($"english + title x{F(boost)} + PRF {docs} docs/{terms} terms/w{F(weight)}", new Bm25Options
                {
                    Stemming = true,
                    TitleBoost = boost,
                    FeedbackDocuments = docs,
                    FeedbackTerms = terms,
                    FeedbackWeight = weight,
                }));
            }
        }

        foreach (var (k1, b) in new[] { (0.9f, 0.4f), (1.5f, 0.75f), (1.2f, 0.9f) })
        {
            variants.Add(($"english + title x1, k1 {F(k1)} b {F(b)}", new Bm25Options { Stemming = true, TitleBoost = 1, K1 = k1, B = b }));
        }

        var results = new List<Bm25VariantResult>();
        foreach (var (name, bm25) in variants)
        {
            using var index = BenchCorpus.CreateIndex(corpus, Path.GetTempPath(), new RetrievalOptions { Bm25 = bm25 }, generator: null);
            await index.BuildAsync(cancellationToken: cancellationToken);
            var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions { Bm25 = bm25 }));
            var report = await new RetrievalEvaluator(retriever, index).EvaluateAsync(set, RetrieverKind.Bm25, cancellationToken);
            results.Add(new Bm25VariantResult(name, report.Overall, report.ByKind, report.Relevance));
        }

        return results;
    }

    private static string F(float value) => value.ToString(CultureInfo.InvariantCulture);
}

internal sealed record Bm25VariantResult(string Variant, RetrievalMetrics Overall, IReadOnlyDictionary<string, RetrievalMetrics> ByKind, RelevanceSeparation? Relevance);
