using Microsoft.Extensions.AI;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// <see cref="TokenVectors"/>: the token-level match, on two-dimensional token vectors whose cosines are chosen (a
/// vector at angle θ from the x axis is (cos θ, sin θ)).
/// </summary>
public sealed class TokenVectorsTests
{
    private const int Dimensions = 2;

    [Fact]
    public void A_passage_scores_the_idf_weighted_mean_of_each_question_tokens_best_cosine_with_its_tokens()
    {
        // Token 7 is in both passages (idf ln(3/3) = 0), token 8 in the first only (idf ln(3/2)), token 9 in none.
        var tokens = TokenVectors.Create([Tokens((7, 0), (8, 90)), Tokens((7, 10))], Dimensions)!;
        Assert.Equal(3, tokens.Tokens);

        // The question's token 8 points at 60° and token 9 (unseen: idf ln 3) at 0°.
        var question = TokenVectors.Read(Tokens((8, 60), (9, 0)), Dimensions)!.Value;
        var match = tokens.Match(question, [0, 1]);

        var idf8 = Math.Log(3.0 / 2.0);
        var idf9 = Math.Log(3.0);
        // Passage 0: token 8's best is the 90° token (cos 30°), token 9's the 0° token (cos 0°).
        var first = ((idf8 * Math.Cos(Rad(30))) + (idf9 * 1)) / (idf8 + idf9);
        // Passage 1 has one token, at 10°: cos 50° and cos 10°.
        var second = ((idf8 * Math.Cos(Rad(50))) + (idf9 * Math.Cos(Rad(10)))) / (idf8 + idf9);
        Assert.Equal(first, match[0], 0.002);
        Assert.Equal(second, match[1], 0.002);
        Assert.True(match[0] > match[1]);
    }

    [Fact]
    public void Only_the_given_passages_are_scored_and_one_without_tokens_scores_zero()
    {
        var tokens = TokenVectors.Create([Tokens((1, 0)), Tokens(), Tokens((2, 45))], Dimensions)!;
        var match = tokens.Match(TokenVectors.Read(Tokens((1, 0)), Dimensions)!.Value, [1, 2, 2]);

        Assert.Equal([1, 2], match.Keys.Order());
        Assert.Equal(0, match[1]);
        Assert.Equal(Math.Cos(Rad(45)), match[2], 0.002);
    }

    [Fact]
    public void A_generator_that_ignores_the_request_makes_no_token_vectors()
    {
        // One pooled vector per text, no ids: what an embedder without token output returns.
        var pooled = new Embedding<float>(new float[] { 1, 0 });
        Assert.Null(TokenVectors.Read(pooled, Dimensions));
        Assert.Null(TokenVectors.Create([Tokens((1, 0)), pooled], Dimensions));

        // Ids that disagree with the vectors' length are not token vectors either.
        var torn = new Embedding<float>(new float[] { 1, 0, 0 }) { AdditionalProperties = new() { [TokenVectors.TokenIdsKey] = new[] { 1 } } };
        Assert.Null(TokenVectors.Read(torn, Dimensions));
    }

    [Fact]
    public void The_options_ask_for_token_granularity()
    {
        Assert.Equal(TokenVectors.TokenGranularity, TokenVectors.Options.AdditionalProperties![TokenVectors.GranularityKey]);
        Assert.Equal(TokenVectors.TokenGranularity, TokenVectors.QueryOptions.AdditionalProperties![TokenVectors.GranularityKey]);
        Assert.Equal(EmbeddingInputType.Query, TokenVectors.QueryOptions.AdditionalProperties![EmbeddingInputType.Key]);
    }

    [Fact]
    public void A_pooled_vector_is_read_only_where_the_embedding_carries_one()
    {
        var plain = Tokens((1, 0));
        Assert.Null(TokenVectors.ReadPooled(plain));

        plain.AdditionalProperties![TokenVectors.PooledKey] = Array.Empty<float>();
        Assert.Null(TokenVectors.ReadPooled(plain)); // an empty array is no vector, not a zero-length one

        float[] pooled = [0.6f, 0.8f];
        plain.AdditionalProperties[TokenVectors.PooledKey] = pooled;
        Assert.Equal(pooled, TokenVectors.ReadPooled(plain)!.Value.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(13)]
    public void At_a_models_dimension_each_question_token_gets_its_exact_best_cosine(int questionTokens)
    {
        // 384 dimensions (all-MiniLM-L6-v2's) take the four-products-per-pass path; 13 tokens leave one to the rest.
        const int dimensions = 384;
        var random = new Random(questionTokens);
        var passages = new[] { RandomTokens(random, 40, dimensions, firstId: 1), RandomTokens(random, 3, dimensions, firstId: 100) };
        var tokens = TokenVectors.Create(passages.Select(p => TokenVectors.Compact(p, dimensions)!.Value).ToList(), dimensions)!;
        // Ids no passage has: every question token weighs the same (the unseen idf), so the match is the plain mean.
        var question = RandomTokens(random, questionTokens, dimensions, firstId: 1000);

        var match = tokens.Match(TokenVectors.Read(question, dimensions)!.Value, [0, 1]);

        for (var p = 0; p < passages.Length; p++)
        {
            // As stored: half precision.
            var stored = passages[p].Vector.ToArray().Select(v => (double)(float)(Half)v).ToArray();
            var q = question.Vector.ToArray();
            var expected = Enumerable.Range(0, questionTokens).Average(i => Enumerable.Range(0, stored.Length / dimensions)
                .Max(t => Enumerable.Range(0, dimensions).Sum(d => q[(i * dimensions) + d] * stored[(t * dimensions) + d])));
            Assert.Equal(expected, match[p], 5);
        }
    }

    // Unit vectors in random directions, with ids from firstId on.
    private static Embedding<float> RandomTokens(Random random, int count, int dimensions, int firstId)
    {
        var vector = new float[count * dimensions];
        for (var t = 0; t < count; t++)
        {
            var row = vector.AsSpan(t * dimensions, dimensions);
            for (var d = 0; d < dimensions; d++)
            {
                row[d] = (float)((random.NextDouble() * 2) - 1);
            }

            System.Numerics.Tensors.TensorPrimitives.Divide(row, System.Numerics.Tensors.TensorPrimitives.Norm(row), row);
        }

        return new Embedding<float>(vector) { AdditionalProperties = new() { [TokenVectors.TokenIdsKey] = Enumerable.Range(firstId, count).ToArray() } };
    }

    // A token-level embedding: each token's id and angle.
    internal static Embedding<float> Tokens(params (int Id, double Degrees)[] tokens) =>
        new(tokens.SelectMany(t => new[] { (float)Math.Cos(Rad(t.Degrees)), (float)Math.Sin(Rad(t.Degrees)) }).ToArray())
        {
            AdditionalProperties = new() { [TokenVectors.TokenIdsKey] = tokens.Select(t => t.Id).ToArray() },
        };

    private static double Rad(double degrees) => degrees * Math.PI / 180;
}
