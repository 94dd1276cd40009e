using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// Stands in for the embedding model in timings that exclude embedding: a unit-length pseudo-random vector per
/// text (seeded by its hash, so cache hits behave as with a real model), returned at no cost.
/// </summary>
internal sealed class RandomEmbeddingGenerator(int dimensions) : IEmbeddingGenerator<string, Embedding<float>>
{
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Vector(v, dimensions)))));

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("bench", null, "random", dimensions) : null;

    public void Dispose()
    {
    }

    public static float[] Vector(string text, int dimensions) =>
        Vector(new Random(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)))), dimensions);

    public static float[] Vector(Random random, int dimensions)
    {
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] /= norm;
        }

        return vector;
    }
}
