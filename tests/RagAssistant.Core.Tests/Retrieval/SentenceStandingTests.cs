using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

public sealed class SentenceStandingTests
{
    [Fact]
    public async Task Each_passage_scores_its_best_sentence_in_standard_deviations_above_the_corpus()
    {
        // Passage 0's second sentence points along the query; every other sentence is orthogonal to it.
        var vectors = new SentenceVectors();
        var passages = new List<IReadOnlyList<string>>();
        for (var p = 0; p < SentenceStanding.MinPassages; p++)
        {
            passages.Add([$"p{p} a", $"p{p} b"]);
            vectors.Add($"p{p} a", [0, 1, 0]);
            vectors.Add($"p{p} b", p == 0 ? [2, 0, 0] : [0, 0, 1]);
        }

        var scores = (await SentenceStanding.TryCreateAsync(passages, vectors, TestContext.Current.CancellationToken))!.StandardScores([3, 0, 0])!;

        // Best cosines: 1 for passage 0, 0 for the other n - 1; mean 1/n, standard deviation sqrt(n - 1)/n.
        double n = SentenceStanding.MinPassages;
        Assert.Equal((1 - (1 / n)) / (Math.Sqrt(n - 1) / n), scores[0], 6);
        Assert.All(scores.Skip(1), z => Assert.Equal(-(1 / n) / (Math.Sqrt(n - 1) / n), z, 6));
    }

    [Fact]
    public async Task There_is_no_standing_until_every_sentence_has_a_vector_nor_for_a_corpus_too_small_to_be_a_background()
    {
        var vectors = new SentenceVectors();
        var passages = Enumerable.Range(0, SentenceStanding.MinPassages).Select(p => (IReadOnlyList<string>)[$"s{p}"]).ToList();
        foreach (var p in Enumerable.Range(1, SentenceStanding.MinPassages - 1))
        {
            vectors.Add($"s{p}", [1, p]);
        }

        Assert.Null(await SentenceStanding.TryCreateAsync(passages, vectors, TestContext.Current.CancellationToken));
        vectors.Add("s0", [1, 0]);
        Assert.NotNull(await SentenceStanding.TryCreateAsync(passages, vectors, TestContext.Current.CancellationToken));
        Assert.Null(await SentenceStanding.TryCreateAsync(passages.Take(SentenceStanding.MinPassages - 1).ToList(), vectors, TestContext.Current.CancellationToken));

        // A query of another dimension (another model) has no standing: the gate keeps the cosine.
        Assert.Null((await SentenceStanding.TryCreateAsync(passages, vectors, TestContext.Current.CancellationToken))!.StandardScores([1, 0, 0]));
    }

    [Fact]
    public void The_best_paper_stands_out_by_its_gap_to_the_tenth_best_paper_each_paper_scored_by_its_best_passage()
    {
        // Papers p0..p11; p0 has two passages (its best counts once), the others one each, scored 11 down to 1.
        var scores = new List<double> { 12, 3 };
        var papers = new List<int> { 0, 0 };
        for (var p = 1; p < 12; p++)
        {
            scores.Add(12 - p);
            papers.Add(p);
        }

        // Best 12 (p0), tenth best 3 (p9): a gap of 9. A passage without sentences (negative infinity) is no paper.
        Assert.Equal(9, SentenceStanding.StandOut(scores, papers, 12, 10));
        scores.Add(double.NegativeInfinity);
        papers.Add(12);
        Assert.Equal(9, SentenceStanding.StandOut(scores, papers, 13, 10));

        // Fewer papers than the rank: there is no crowd to stand out from.
        Assert.Null(SentenceStanding.StandOut(scores.Take(5).ToList(), papers.Take(5).ToList(), 13, 10));
    }

    [Theory]
    [InlineData(0.9, 6.67)]
    [InlineData(3.0, 6.67)]
    [InlineData(0.5, 16.67)]
    [InlineData(null, 6.67)]
    public void A_search_whose_best_paper_does_not_stand_out_is_judged_on_the_crowded_scale(double? standOut, double scale)
    {
        var options = new RetrievalOptions();

        Assert.Equal(scale, RelevanceGate.SentenceScale(standOut, options));

        // The same standard score of 2 passes Answering:MinRelevance (0.15) only when the best paper stands out.
        Assert.Equal(standOut is null or >= 0.9, RelevanceGate.Sentence(2, RelevanceGate.SentenceScale(standOut, options)) >= 0.15);
    }

    private sealed class SentenceVectors : ISourceSentenceVectors
    {
        private readonly Dictionary<string, ReadOnlyMemory<float>> _vectors = new(StringComparer.Ordinal);

        public void Add(string sentence, float[] vector) => _vectors[sentence] = vector;

        public Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetAsync(IEnumerable<string> sentences, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyDictionary<string, ReadOnlyMemory<float>>>(sentences.Distinct().Where(_vectors.ContainsKey).ToDictionary(s => s, s => _vectors[s]));
    }
}
