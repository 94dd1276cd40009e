using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// A deterministic stand-in for an embedding model: a hashed bag of crudely stemmed words. Texts sharing words
/// get similar vectors, which is enough to test the dense and hybrid plumbing without a model. Asked for token vectors
/// (<see cref="TokenVectors.Options"/>), each word is one token: its stem's hash bucket, with the hash as its id.
/// </summary>
internal sealed partial class HashingEmbeddingGenerator(string modelId = "hashing-test", int dimensions = 64) : IEmbeddingGenerator<string, Embedding<float>>
{
    public int EmbeddedTexts { get; private set; }

    /// <summary>Texts embedded as token vectors (not counted in <see cref="EmbeddedTexts"/> or <see cref="InputTypes"/>).</summary>
    public int TokenTexts { get; private set; }

    public List<string?> InputTypes { get; } = [];

    /// <summary>The texts embedded as queries (pooled vectors, <see cref="EmbeddingInputType.Query"/>), in order.</summary>
    public List<string> QueryTexts { get; } = [];

    public Exception? FailWith { get; set; }

    /// <summary>When set, a request holding this exact text fails (one query's part, as a first clause).</summary>
    public string? FailOn { get; set; }

    /// <summary>When set, a token-level embedding carries the text's pooled vector too (<see cref="TokenVectors.PooledKey"/>), as the bundled MiniLM's does.</summary>
    public bool PooledBesideTokens { get; set; }

    /// <summary>When set, document (passage) embedding waits for it: the background indexing can be held open.</summary>
    public TaskCompletionSource? HoldDocuments { get; set; }

    /// <summary>When set, token vector requests (<see cref="TokenVectors.Options"/>) wait for it.</summary>
    public TaskCompletionSource? HoldTokens { get; set; }

    /// <summary>How many texts are embedded as token vectors before <see cref="HoldTokens"/> holds the next request.</summary>
    public int HoldTokensAfterTexts { get; set; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }

        if (FailOn is { } text && values.Contains(text))
        {
            throw new InvalidOperationException("clause model crashed");
        }

        var isDocument = options?.AdditionalProperties?.TryGetValue(EmbeddingInputType.Key, out var kind) == true && Equals(kind, EmbeddingInputType.Document);
        if (isDocument && HoldDocuments is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        if (options?.AdditionalProperties?.TryGetValue(TokenVectors.GranularityKey, out var granularity) == true && Equals(granularity, TokenVectors.TokenGranularity))
        {
            if (HoldTokens is { } holdTokens && TokenTexts >= HoldTokensAfterTexts)
            {
                await holdTokens.Task.WaitAsync(cancellationToken);
            }

            var tokens = new GeneratedEmbeddings<Embedding<float>>(values.Select(Tokens));
            lock (InputTypes)
            {
                TokenTexts += tokens.Count;
            }

            return tokens;
        }

        var embeddings = new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Embed(v))));
        lock (InputTypes)
        {
            // Searches may run concurrently.
            InputTypes.Add(options?.AdditionalProperties?.TryGetValue(EmbeddingInputType.Key, out var type) == true ? type as string : null);
            if (InputTypes[^1] == EmbeddingInputType.Query)
            {
                QueryTexts.AddRange(values);
            }
            EmbeddedTexts += embeddings.Count;
        }

        return embeddings;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, dimensions) : null;

    public void Dispose()
    {
    }

    private float[] Embed(string text)
    {
        var vector = new float[dimensions];
        foreach (Match word in Word().Matches(text.ToLowerInvariant()))
        {
            var stem = word.Value.Length > 5 ? word.Value[..5] : word.Value;
            vector[Fnv1a(stem) % (uint)dimensions] += 1;
        }

        vector[0] += 0.01f; // never the zero vector
        return vector;
    }

    private Embedding<float> Tokens(string text)
    {
        var stems = Word().Matches(text.ToLowerInvariant()).Select(w => w.Value.Length > 5 ? w.Value[..5] : w.Value).ToList();
        var vectors = new float[stems.Count * dimensions];
        for (var t = 0; t < stems.Count; t++)
        {
            vectors[(t * dimensions) + (int)(Fnv1a(stems[t]) % (uint)dimensions)] = 1;
        }

        var embedding = new Embedding<float>(vectors) { AdditionalProperties = new() { [TokenVectors.TokenIdsKey] = stems.Select(s => (int)(Fnv1a(s) & int.MaxValue)).ToArray() } };
        if (PooledBesideTokens)
        {
            embedding.AdditionalProperties[TokenVectors.PooledKey] = Embed(text);
        }

        return embedding;
    }

    // string.GetHashCode is randomised per process; tests need the same vectors on every run.
    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    [GeneratedRegex("[a-z]{3,}")]
    private static partial Regex Word();
}
