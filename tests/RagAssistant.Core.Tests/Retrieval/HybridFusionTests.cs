using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// <see cref="HybridFusion"/> with the second dense retriever's signal, on vectors made to give chosen cosines (the
/// query is the x axis; a vector at cosine c is (c, √(1 − c²))).
/// </summary>
public sealed class HybridFusionTests
{
    // Ordinals of a five-passage snapshot: three close contenders, a clear loser that spreads the min-max range, and
    // a passage neither BM25 nor the first dense list found.
    private const int A = 0;
    private const int B = 1;
    private const int Target = 2;
    private const int Loser = 3;
    private const int SecondOnly = 4;

    private static readonly ReadOnlyMemory<float> Query = new float[] { 1, 0 };

    // BM25 and the first embedder agree, narrowly: A, B, Target, Loser.
    private static readonly Bm25Hit[] Bm25 = [new(A, 10), new(B, 9.9), new(Target, 9.8), new(Loser, 1)];
    private static readonly (int Ordinal, double Score)[] Dense = [(A, 0.62), (B, 0.61), (Target, 0.60), (Loser, 0.0)];

    private static readonly Dictionary<int, ReadOnlyMemory<float>> Vectors = new()
    {
        [A] = At(0.62),
        [B] = At(0.61),
        [Target] = At(0.60),
        [Loser] = At(0.0),
        [SecondOnly] = At(0.1),
    };

    [Fact]
    public async Task A_second_cosine_that_strongly_prefers_a_close_third_puts_it_first_and_adds_its_weighted_min_max_score()
    {
        var snapshot = await SnapshotAsync();
        var second = Second((Target, 0.9), (A, 0.1), (B, 0.1), (Loser, 0.1));

        var without = Fuse(snapshot, new RetrievalOptions(), null);
        var off = Fuse(snapshot, new RetrievalOptions { SecondDenseWeight = 0 }, second);
        var with = Fuse(snapshot, new RetrievalOptions { SecondDenseWeight = 0.5 }, second);

        Assert.Equal([A, B, Target, Loser], without.Select(h => h.Ordinal));
        Assert.Equal(without, off);
        Assert.Equal([Target, A, B, Loser], with.Select(h => h.Ordinal));

        // Every other candidate is at the second list's minimum: its score is the two-signal score, unchanged.
        var before = without.ToDictionary(h => h.Ordinal, h => h.Score);
        var after = with.ToDictionary(h => h.Ordinal, h => h.Score);
        Assert.Equal(before[Target] + 0.5, after[Target], 9);
        Assert.All([A, B, Loser], o => Assert.Equal(before[o], after[o], 9));
    }

    [Fact]
    public async Task A_candidate_found_only_by_the_second_list_joins_the_union_and_one_without_a_second_vector_scores_its_lowest()
    {
        var snapshot = await SnapshotAsync();
        var second = Second((SecondOnly, 0.95), (Target, 0.5), (A, 0.2), (B, 0.2));

        var without = Fuse(snapshot, new RetrievalOptions(), null);
        var with = Fuse(snapshot, new RetrievalOptions { SecondDenseWeight = 0.5 }, second);

        Assert.DoesNotContain(without, h => h.Ordinal == SecondOnly);
        var joined = Assert.Single(with, h => h.Ordinal == SecondOnly);

        // Its first cosine (0.1) is scored too: (0.1 − 0) / 0.62 by the first embedder, plus the second's best (weighted 0.5).
        Assert.Equal((0.1 / 0.62) + 0.5, joined.Score, 5);

        // Loser has no second vector: it gets the second list's lowest, 0, and keeps its two-signal score.
        Assert.Equal(without.Single(h => h.Ordinal == Loser).Score, with.Single(h => h.Ordinal == Loser).Score, 9);
        Assert.Equal(5, with.Count);
    }

    [Fact]
    public async Task Reciprocal_rank_fusion_gets_the_second_list_as_a_third_weighted_list()
    {
        var snapshot = await SnapshotAsync();
        var options = new RetrievalOptions { Fusion = FusionMethod.ReciprocalRank, SecondDenseWeight = 0.5 };
        var second = Second((Target, 0.9), (SecondOnly, 0.8));

        var without = Fuse(snapshot, options, null);
        var off = Fuse(snapshot, new RetrievalOptions { Fusion = FusionMethod.ReciprocalRank, SecondDenseWeight = 0 }, second);
        var with = Fuse(snapshot, options, second);

        Assert.Equal([A, B, Target, Loser], without.Select(h => h.Ordinal));
        Assert.Equal([A, B, Target, Loser], off.Where(h => h.Score > 0).Select(h => h.Ordinal));
        Assert.Equal(Target, with[0].Ordinal);
        var k = options.RrfK;
        Assert.Equal((2.0 / (k + 3)) + (0.5 / (k + 1)), with[0].Score, 12);
        Assert.Equal(2.0 / (k + 1), with.Single(h => h.Ordinal == A).Score, 12);
        Assert.Equal(0.5 / (k + 2), with.Single(h => h.Ordinal == SecondOnly).Score, 12);
    }

    [Fact]
    public async Task A_token_match_that_prefers_a_close_third_puts_it_first_at_its_weight_and_reciprocal_rank_fusion_gets_it_as_a_list()
    {
        var snapshot = await SnapshotAsync();
        // Every candidate has one token; the question's token is at 0°: Target's at 0°, the others' at 80°. (A token in
        // every passage would weigh nothing: its idf is 0.)
        var tokens = TokenVectors.Create([.. Enumerable.Range(0, 5).Select(o => o == Target ? TokenVectorsTests.Tokens((1, 0)) : TokenVectorsTests.Tokens((2, 80)))], 2)!;
        var match = new TokenMatchSignal(tokens, TokenVectors.Read(TokenVectorsTests.Tokens((1, 0)), 2)!.Value);

        var without = Fuse(snapshot, new RetrievalOptions(), null);
        var off = Fuse(snapshot, new RetrievalOptions { TokenMatchWeight = 0 }, null, match);
        var with = Fuse(snapshot, new RetrievalOptions { TokenMatchWeight = 3 }, null, match);

        Assert.Equal(without, off);
        Assert.Equal([Target, A, B, Loser], with.Select(h => h.Ordinal));
        // Min-max over the candidates: Target is the best (1 × 3), every other candidate the lowest (0).
        var before = without.ToDictionary(h => h.Ordinal, h => h.Score);
        Assert.Equal(before[Target] + 3, with.Single(h => h.Ordinal == Target).Score, 9);
        Assert.All([A, B, Loser], o => Assert.Equal(before[o], with.Single(h => h.Ordinal == o).Score, 9));

        var rrf = new RetrievalOptions { Fusion = FusionMethod.ReciprocalRank, TokenMatchWeight = 3 };
        var fused = Fuse(snapshot, rrf, null, match);
        Assert.Equal((2.0 / (rrf.RrfK + 3)) + (3.0 / (rrf.RrfK + 1)), fused.Single(h => h.Ordinal == Target).Score, 12);
    }

    [Fact]
    public async Task The_first_clause_adds_its_weighted_min_max_cosine_and_ranks_again_with_ties_in_the_dense_order()
    {
        var snapshot = await SnapshotAsync();
        var fused = Fuse(snapshot, new RetrievalOptions(), null);
        var before = fused.ToDictionary(h => h.Ordinal, h => h.Score);

        // The clause's vector is (0, 1): a passage at cosine c to the x axis is at √(1 − c²) to it, so Loser (c = 0)
        // is the clause's best and A (c = 0.62) its lowest.
        ReadOnlyMemory<float> clause = new float[] { 0, 1 };
        var with = HybridFusion.AddFirstClause(fused, clause, Vectors, 1, Dense);

        var cosines = new[] { A, B, Target, Loser }.ToDictionary(o => o, o => Math.Sqrt(1 - Math.Pow(Dense.Single(h => h.Ordinal == o).Score, 2)));
        var low = cosines.Values.Min();
        var span = cosines.Values.Max() - low;
        foreach (var (ordinal, score) in with)
        {
            Assert.Equal(before[ordinal] + ((cosines[ordinal] - low) / span), score, 4);
        }

        Assert.Equal(with.OrderByDescending(h => h.Score).Select(h => h.Ordinal), with.Select(h => h.Ordinal));
        Assert.Equal(1 + before[Loser], with.Single(h => h.Ordinal == Loser).Score, 4);

        // Equal scores keep the dense order.
        var tied = HybridFusion.AddFirstClause([(Target, 1), (B, 1), (A, 1)], Query, new Dictionary<int, ReadOnlyMemory<float>>(), 1, Dense);
        Assert.Equal([A, B, Target], tied.Select(h => h.Ordinal));
    }

    private static List<(int Ordinal, double Score)> Fuse(IndexSnapshot snapshot, RetrievalOptions options, SecondDenseSignal? second, TokenMatchSignal? tokens = null) =>
        [.. HybridFusion.Fuse(snapshot, options, ["query"], Query, Bm25, Dense, Vectors, second, tokens)];

    // The second model's part: its query is the x axis too; its hits are the given candidates, best first, at the
    // given cosines, and every one of them has a second vector (Loser only where listed).
    private static SecondDenseSignal Second(params (int Ordinal, double Cosine)[] hits) =>
        new(Query, [.. hits.OrderByDescending(h => h.Cosine).Select(h => (h.Ordinal, h.Cosine))], hits.ToDictionary(h => h.Ordinal, h => At(h.Cosine)));

    private static ReadOnlyMemory<float> At(double cosine) => new[] { (float)cosine, (float)Math.Sqrt(1 - (cosine * cosine)) };

    // A real snapshot (BM25 only) of five passages: the fusion methods under test read only the lists and vectors.
    private static async Task<IndexSnapshot> SnapshotAsync()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation", "Protein Folding", "Graph Networks");
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator: null);
        await index.EnsureBuiltAsync(TestContext.Current.CancellationToken);
        var snapshot = index.Snapshot!;
        Assert.Equal(5, snapshot.Passages.Count);
        return snapshot;
    }
}
