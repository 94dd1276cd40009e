using System.Numerics.Tensors;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// How well retrieval-only quotes answer: for each answerable question with <c>answer_points</c> and one gold paper,
/// the sentences of the gold abstract are scored by each rule, the best k are quoted (with the sentences they lean on,
/// as the product quotes), and a point counts as quoted when the abstract's sentence closest to it (cosine of the
/// bundled embedder) is among them. Rules: shared words alone, the question's cosine (shipped), and the cosine plus w
/// times shared words.
/// </summary>
internal static class QuoteChoiceBenchmark
{
    private static readonly double[] WordWeights = [0.02, 0.05, 0.1, 0.2, 0.4];

    private sealed record Sample(string Id, IReadOnlyList<string> Sentences, double[] Cosine, double[] Shared, int[] Targets);

    public static async Task<IReadOnlyList<QuoteChoiceRow>> RunAsync(string corpus, IReadOnlyList<string> sets, string cacheFolder, CancellationToken cancellationToken)
    {
        var (generator, index) = await BenchCorpus.CreateBundledIndexAsync(corpus, cacheFolder, cancellationToken);
        using var owned = generator;
        using var ownedIndex = index;
        var query = EmbeddingInputType.Options(EmbeddingInputType.Query);
        var document = EmbeddingInputType.Options(EmbeddingInputType.Document);
        var samples = new List<Sample>();
        foreach (var set in sets)
        {
            foreach (var item in await GroundingSet.BuildAsync(set, index, generator, cancellationToken))
            {
                var gold = item.Sources.First(s => s.Number == item.Gold);
                var sentences = ExtractiveAnswerer.Sentences(gold);
                if (sentences.Count < 3)
                {
                    continue; // two quoted sentences of two or fewer: nothing to choose
                }

                var q = (await generator.GenerateAsync([item.Question], query, cancellationToken))[0].Vector;
                var s = (await generator.GenerateAsync(sentences, document, cancellationToken)).Select(e => e.Vector).ToList();
                var p = (await generator.GenerateAsync(item.AnswerPoints, document, cancellationToken)).Select(e => e.Vector).ToList();
                var terms = ContentWords.Terms(item.Question);
                samples.Add(new Sample(
                    item.Id,
                    sentences,
                    [.. s.Select(v => (double)TensorPrimitives.CosineSimilarity(q.Span, v.Span))],
                    [.. sentences.Select(x => ExtractiveAnswerer.Overlap(terms, x))],
                    [.. p.Select(point => s.Select((v, i) => (i, c: TensorPrimitives.CosineSimilarity(point.Span, v.Span))).MaxBy(x => x.c).i)]));
            }
        }

        var rules = new List<(string Name, Func<Sample, int, double> Score)>
        {
            ("shared words alone", (x, i) => x.Shared[i]),
            ("question cosine (shipped)", (x, i) => x.Cosine[i]),
        };
        rules.AddRange(WordWeights.Select(w => ($"cosine + {w} x shared words", (Func<Sample, int, double>)((x, i) => x.Cosine[i] + (w * x.Shared[i])))));

        var rows = new List<QuoteChoiceRow>();
        foreach (var (name, score) in rules)
        {
            double[] hits = new double[2], words = new double[2];
            foreach (var sample in samples)
            {
                for (var k = 1; k <= 2; k++)
                {
                    var best = Enumerable.Range(0, sample.Sentences.Count).OrderByDescending(i => score(sample, i)).ThenBy(i => i).Take(k);
                    var chosen = ExtractiveAnswerer.WithAntecedents(sample.Sentences, best).ToHashSet();
                    hits[k - 1] += sample.Targets.Count(chosen.Contains) / (double)sample.Targets.Length;
                    words[k - 1] += chosen.Sum(i => sample.Sentences[i].Split(' ').Length);
                }
            }

            rows.Add(new QuoteChoiceRow(name, samples.Count, hits[0] / samples.Count, words[0] / samples.Count, hits[1] / samples.Count, words[1] / samples.Count));
        }

        return rows;
    }
}

/// <summary>One rule's share of answer points quoted with one and two sentences per paper, and the words quoted.</summary>
internal sealed record QuoteChoiceRow(string Rule, int Questions, double PointsQuotedAt1, double WordsAt1, double PointsQuotedAt2, double WordsAt2);
