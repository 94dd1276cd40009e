using Microsoft.Extensions.Options;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>Measures hybrid fusion methods against BM25 and dense alone, per question kind, with the bundled embedder.</summary>
internal static class FusionVariantsBenchmark
{
    public static async Task<IReadOnlyList<FusionVariantResult>> RunAsync(string corpus, string set, string cacheFolder, CancellationToken cancellationToken)
    {
        var (generator, index) = await BenchCorpus.CreateBundledIndexAsync(corpus, cacheFolder, cancellationToken);
        using var owned = generator;
        using var ownedIndex = index;

        var variants = new List<(string Name, RetrieverKind Kind, RetrievalOptions Options)>
        {
            ("BM25", RetrieverKind.Bm25, new RetrievalOptions()),
            ("dense", RetrieverKind.Dense, new RetrievalOptions()),
        };
        foreach (var (bm25Weight, denseWeight) in new[] { (1.0, 1.0), (0.5, 1.0), (0.3, 1.0), (1.5, 1.0), (2.0, 1.0) })
        {
            variants.Add(($"RRF k=60 weights BM25 {bm25Weight} dense {denseWeight}", RetrieverKind.Hybrid, new RetrievalOptions { Fusion = FusionMethod.ReciprocalRank, Bm25Weight = bm25Weight, DenseWeight = denseWeight }));
        }

        foreach (var (bm25Weight, denseWeight) in new[] { (1.0, 1.0), (0.5, 1.0), (0.3, 1.0), (0.2, 1.0), (0.7, 1.0), (1.5, 1.0), (2.0, 1.0) })
        {
            variants.Add(($"normalised scores BM25 {bm25Weight} dense {denseWeight}", RetrieverKind.Hybrid, new RetrievalOptions { Fusion = FusionMethod.NormalizedScore, Bm25Weight = bm25Weight, DenseWeight = denseWeight }));
        }

        foreach (var k in new[] { 10, 30 })
        {
            variants.Add(($"RRF k={k} weights BM25 1 dense 1", RetrieverKind.Hybrid, new RetrievalOptions { Fusion = FusionMethod.ReciprocalRank, RrfK = k }));
        }

        foreach (var (boost, share) in new[] { (0.05, 0.02), (0.1, 0.02), (0.2, 0.02), (0.1, 0.01), (0.1, 0.05), (0.2, 0.05) })
        {
            variants.Add(($"dense-first, rare-term boost {boost}, rare = df <= {share:P0}", RetrieverKind.Hybrid, new RetrievalOptions { Fusion = FusionMethod.DenseFirst, RareTermBoost = boost, RareTermMaxDocumentShare = share }));
        }

        var results = new List<FusionVariantResult>();
        foreach (var (name, kind, options) in variants)
        {
            var retriever = new HybridPaperRetriever(index, Options.Create(options), generator);
            var report = await new RetrievalEvaluator(retriever, index, index).EvaluateAsync(set, kind, cancellationToken);
            results.Add(new FusionVariantResult(name, report.Mode, report.Overall, report.ByKind, report.Relevance));
        }

        return results;
    }
}

internal sealed record FusionVariantResult(string Variant, string Mode, RetrievalMetrics Overall, IReadOnlyDictionary<string, RetrievalMetrics> ByKind, RelevanceSeparation? Relevance);
