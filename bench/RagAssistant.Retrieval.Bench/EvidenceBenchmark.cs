using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// The evidence check on the dev set's <c>answer_points</c> (paraphrases of each gold abstract) as claims: cited to the
/// gold paper (should be supported), to the best-ranked other retrieved paper (should be flagged) and to nothing
/// (the gold paper should be the first suggestion). <see cref="TuneAsync"/> scores every (weight, floor, threshold) of a
/// grid, with 5-fold cross-validation over questions; <see cref="LatencyAsync"/> times the check of one claim against
/// five sources, as it runs after an answer's last token.
/// </summary>
internal static class EvidenceBenchmark
{
    private static readonly double[] Weights = [0, 0.25, 0.4, 0.5, 0.6, 0.75, 1];
    private static readonly double[] Floors = [0.3, 0.4, 0.5, 0.6, 0.7];

    /// <summary>One answer point measured against its question's gold and wrong source.</summary>
    private sealed record Sample(string QuestionId, IReadOnlyList<SentenceSupport> Gold, IReadOnlyList<SentenceSupport> Wrong, IReadOnlyList<IReadOnlyList<SentenceSupport>> Others);

    public static async Task<EvidenceTuning> TuneAsync(string corpus, string set, string cacheFolder, CancellationToken cancellationToken)
    {
        var (generator, index) = await BenchCorpus.CreateBundledIndexAsync(corpus, cacheFolder, cancellationToken);
        using var owned = generator;
        using var ownedIndex = index;
        var checker = new EvidenceChecker(Options.Create(new EvidenceOptions()), generator, index);
        var samples = new List<Sample>();
        foreach (var item in await GroundingSet.BuildAsync(set, index, generator, cancellationToken))
        {
            foreach (var point in item.AnswerPoints)
            {
                var measured = await checker.MeasureAsync(point, item.Sources, cancellationToken);
                var bySource = measured.ToDictionary(m => m.Number, m => m.Sentences);
                samples.Add(new Sample(item.Id, bySource[item.Gold], bySource[item.Wrong], [.. measured.Where(m => m.Number != item.Gold).Select(m => m.Sentences)]));
            }
        }

        var rows = new List<EvidenceTuningRow>();
        foreach (var weight in Weights)
        {
            foreach (var floor in weight == 0 ? [0.5] : Floors)
            {
                var scorer = new EvidenceChecker(Options.Create(new EvidenceOptions { SimilarityWeight = weight, SimilarityFloor = floor }), generator);
                var scored = samples.Select(s => (s.QuestionId, Gold: Best(scorer, s.Gold, weight), Wrong: Best(scorer, s.Wrong, weight), Others: s.Others.Select(o => Best(scorer, o, weight)).ToList())).ToList();

                // Cross-validated: the threshold is chosen on four fifths of the questions and judged on the rest.
                var ids = scored.Select(s => s.QuestionId).Distinct().ToList();
                var held = new List<(double Gold, double Wrong, List<double> Others, double Threshold)>();
                for (var fold = 0; fold < 5; fold++)
                {
                    var test = ids.Where((_, i) => i % 5 == fold).ToHashSet();
                    var train = scored.Where(s => !test.Contains(s.QuestionId)).ToList();
                    var threshold = BestThreshold(train.Select(t => (t.Gold, t.Wrong)).ToList());
                    held.AddRange(scored.Where(s => test.Contains(s.QuestionId)).Select(s => (s.Gold, s.Wrong, s.Others, threshold)));
                }

                var all = BestThreshold(scored.Select(s => (s.Gold, s.Wrong)).ToList());
                rows.Add(new EvidenceTuningRow(
                    weight,
                    weight == 0 ? null : floor,
                    Math.Round(all, 2),
                    Share(scored, s => s.Gold >= all),
                    Share(scored, s => s.Wrong < all),
                    Share(scored, s => s.Gold >= all && s.Others.All(o => o < s.Gold)),
                    Share(held, h => h.Gold >= h.Threshold),
                    Share(held, h => h.Wrong < h.Threshold),
                    Share(held, h => h.Gold >= h.Threshold && h.Others.All(o => o < h.Gold))));
            }
        }

        // The shipped defaults, as the product scores: with the embedder, and by word overlap alone.
        var defaults = new EvidenceOptions();
        var product = new EvidenceChecker(Options.Create(defaults), generator);
        foreach (var (weight, threshold) in new[] { (defaults.SimilarityWeight, defaults.SupportThreshold), (0.0, defaults.LexicalSupportThreshold) })
        {
            var scored = samples.Select(s => (Gold: Best(product, s.Gold, weight), Wrong: Best(product, s.Wrong, weight), Others: s.Others.Select(o => Best(product, o, weight)).ToList())).ToList();
            var right = Share(scored, s => s.Gold >= threshold);
            var wrong = Share(scored, s => s.Wrong < threshold);
            var uncited = Share(scored, s => s.Gold >= threshold && s.Others.All(o => o < s.Gold));
            rows.Add(new EvidenceTuningRow(weight, weight == 0 ? null : defaults.SimilarityFloor, threshold, right, wrong, uncited, right, wrong, uncited) { Default = true });
        }

        return new EvidenceTuning(samples.Count, samples.Select(s => s.QuestionId).Distinct().Count(), rows);
    }

    public static async Task<EvidenceLatency> LatencyAsync(string corpus, string set, string cacheFolder, int rounds, CancellationToken cancellationToken)
    {
        var (generator, index) = await BenchCorpus.CreateBundledIndexAsync(corpus, cacheFolder, cancellationToken);
        using var owned = generator;
        using var ownedIndex = index;
        var checker = new EvidenceChecker(Options.Create(new EvidenceOptions()), generator, index);
        var items = (await GroundingSet.BuildAsync(set, index, generator, cancellationToken)).Where(i => i.Sources.Count == 5).ToList();

        // Warm-up: the ONNX session and the JIT.
        await checker.CheckAsync(new ClaimText(items[0].AnswerPoints[0], [items[0].Gold]), items[0].Sources, cancellationToken);
        var oneClaim = new List<double>();
        var wholeAnswer = new List<double>();
        var embedOnly = new List<double>();
        var documentOptions = EmbeddingInputType.Options(EmbeddingInputType.Document);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var item in items)
            {
                var claims = item.AnswerPoints.Select((p, i) => new ClaimText($"{p} [{(i % 2 == 0 ? item.Gold : item.Wrong)}].", [i % 2 == 0 ? item.Gold : item.Wrong])).ToList();
                var clock = Stopwatch.StartNew();
                await generator.GenerateAsync([item.AnswerPoints[^1]], documentOptions, cancellationToken);
                embedOnly.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                await checker.CheckAsync(claims[^1], item.Sources, cancellationToken);
                oneClaim.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                foreach (var claim in claims)
                {
                    await checker.CheckAsync(claim, item.Sources, cancellationToken);
                }

                wholeAnswer.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return new EvidenceLatency(items.Count, Environment.ProcessorCount, Percentile.Of(oneClaim), Percentile.Of(wholeAnswer), Percentile.Of(embedOnly));
    }

    private static double Best(EvidenceChecker scorer, IReadOnlyList<SentenceSupport> sentences, double weight) =>
        sentences.Count == 0 ? 0 : sentences.Max(s => weight == 0 ? s.Overlap : scorer.Score(s));

    // The threshold that maximises balanced accuracy (gold supported, wrong flagged); ties go to the middle of the gap.
    private static double BestThreshold(List<(double Gold, double Wrong)> samples)
    {
        var best = (Accuracy: -1.0, Threshold: 0.5);
        for (var t = 0.0; t <= 1.0; t += 0.01)
        {
            var accuracy = (samples.Count(s => s.Gold >= t) + samples.Count(s => s.Wrong < t)) / (2.0 * samples.Count);
            if (accuracy > best.Accuracy + 1e-9)
            {
                best = (accuracy, t);
            }
        }

        return best.Threshold;
    }

    private static double Share<T>(IReadOnlyCollection<T> items, Func<T, bool> predicate) => Math.Round(items.Count(predicate) / (double)items.Count, 3);
}

/// <summary>Dev-set grounding cases: each answerable question's retrieved sources, its gold and wrong source numbers, and its answer points.</summary>
internal static class GroundingSet
{
    public sealed record Item(string Id, string Question, IReadOnlyList<AnswerSource> Sources, int Gold, int Wrong, IReadOnlyList<string> AnswerPoints);

    public static async Task<IReadOnlyList<Item>> BuildAsync(string set, CorpusIndex index, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> generator, CancellationToken cancellationToken)
    {
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()), generator);
        var items = new List<Item>();
        foreach (var line in File.ReadLines(set).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var gold = root.GetProperty("gold_titles").EnumerateArray().Select(t => PaperIdentity.NormalizeTitle(t.GetString()!)).ToList();
            if (gold.Count != 1 || !root.TryGetProperty("answer_points", out var points))
            {
                continue;
            }

            var question = root.GetProperty("question").GetString()!;
            var result = await retriever.SearchAsync(question, 5, RetrieverKind.Hybrid, cancellationToken);
            var papers = result.Hits.Select(h => h.Paper).DistinctBy(p => p.Id).Take(5).ToList();
            var goldPaper = index.Papers.FirstOrDefault(p => PaperIdentity.NormalizeTitle(p.Title) == gold[0]);
            if (goldPaper is null)
            {
                continue;
            }

            // The gold paper is offered even when retrieval missed it: this measures the check, not the retriever.
            if (!papers.Any(p => p.Id == goldPaper.Id))
            {
                papers[^1] = goldPaper;
            }

            var sources = papers.Select((p, i) => new AnswerSource(i + 1, p.Id, p.Title, p.Date, p.SourceFile, 0, p.Abstract)).ToList();
            var goldNumber = sources.First(s => s.PaperId == goldPaper.Id).Number;
            var wrong = sources.First(s => s.PaperId != goldPaper.Id).Number;
            items.Add(new Item(root.GetProperty("id").GetString()!, question, sources, goldNumber, wrong, [.. points.EnumerateArray().Select(p => p.GetString()!)]));
        }

        return items;
    }
}

internal sealed record EvidenceTuningRow(
    double SimilarityWeight, double? SimilarityFloor, double Threshold,
    double RightSupported, double WrongFlagged, double UncitedToRight,
    double CvRightSupported, double CvWrongFlagged, double CvUncitedToRight)
{
    /// <summary>True for the shipped defaults (fixed threshold, so the CV columns repeat the others).</summary>
    public bool Default { get; init; }
}

internal sealed record EvidenceTuning(int Claims, int Questions, IReadOnlyList<EvidenceTuningRow> Rows);

/// <summary>The check's latency: one claim (what follows the last token), a whole answer's claims, and the claim's embedding alone.</summary>
internal sealed record EvidenceLatency(int Answers, int Cores, Percentile OneClaimMs, Percentile WholeAnswerMs, Percentile EmbedClaimOnlyMs);

/// <summary>p50 and p95 in milliseconds (nearest rank).</summary>
internal sealed record Percentile(int Samples, double P50, double P95, double Max)
{
    public static Percentile Of(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double p) => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
        return new Percentile(sorted.Length, At(0.5), At(0.95), Math.Round(sorted[^1], 2));
    }
}
