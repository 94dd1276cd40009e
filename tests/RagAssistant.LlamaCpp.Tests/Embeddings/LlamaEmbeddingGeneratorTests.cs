using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp.Embeddings;

namespace RagAssistant.LlamaCpp.Tests.Embeddings;

/// <summary>Mean-pooled embeddings through stories260K (a causal model: plumbing, not retrieval quality).</summary>
[Trait("Category", "EndToEnd")]
public sealed class LlamaEmbeddingGeneratorTests
{
    private static LlamaEmbeddingGenerator Create(int maxBatchTexts = 4, string queryPrefix = "", ILoggerFactory? loggerFactory = null) => new(
        Options.Create(new LlamaEmbeddingGeneratorOptions
        {
            ModelPath = TestPaths.Stories,
            ContextSize = 128,
            MaxBatchTexts = maxBatchTexts,
            Threads = 1,
            QueryPrefix = queryPrefix,
        }),
        loggerFactory: loggerFactory);

    private static readonly string[] Texts =
    [
        "The cat sat on the mat.",
        "A little girl named Lily loved to play in the park.",
        "Tom saw a big red ball.",
        "The dog ran to the tree.",
        "She was happy.",
        "Once upon a time there was a boy.",
    ];

    [Fact]
    public async Task Vectors_are_l2_normalised_and_deterministic()
    {
        var ct = TestContext.Current.CancellationToken;
        using var generator = Create();
        var first = await generator.GenerateAsync(Texts, cancellationToken: ct);
        var second = await generator.GenerateAsync(Texts, cancellationToken: ct);
        Assert.Equal(Texts.Length, first.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            var v = first[i].Vector.Span;
            Assert.Equal(64, v.Length);
            var norm = Math.Sqrt(v.ToArray().Sum(x => (double)x * x));
            Assert.Equal(1.0, norm, 4);
            Assert.Equal(first[i].Vector.ToArray(), second[i].Vector.ToArray());
        }

        Assert.True(first.Usage!.InputTokenCount > Texts.Length);
    }

    [Fact]
    public async Task Batching_does_not_change_the_vectors()
    {
        var ct = TestContext.Current.CancellationToken;
        using var batched = Create(maxBatchTexts: 4);
        using var single = Create(maxBatchTexts: 1);
        var a = await batched.GenerateAsync(Texts, cancellationToken: ct);
        var b = await single.GenerateAsync(Texts, cancellationToken: ct);
        for (var i = 0; i < Texts.Length; i++)
        {
            var x = a[i].Vector.Span;
            var y = b[i].Vector.Span;
            for (var d = 0; d < x.Length; d++)
            {
                Assert.Equal(y[d], x[d], 3);
            }
        }
    }

    [Fact]
    public async Task Query_prefix_applies_only_to_queries_and_long_texts_are_truncated_not_fatal()
    {
        var ct = TestContext.Current.CancellationToken;
        using var generator = Create(queryPrefix: "Question: ");
        var asDocument = await generator.GenerateAsync(["The cat sat on the mat."], cancellationToken: ct);
        var asQuery = await generator.GenerateAsync(["The cat sat on the mat."], new EmbeddingGenerationOptions { AdditionalProperties = new() { [LlamaEmbeddingGenerator.InputTypeKey] = "query" } }, ct);
        Assert.NotEqual(asDocument[0].Vector.ToArray(), asQuery[0].Vector.ToArray());

        var huge = string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 200));
        var truncated = await generator.GenerateAsync([huge], cancellationToken: ct);
        Assert.Equal(64, truncated[0].Vector.Length);

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal(64, metadata!.DefaultModelDimensions);
        Assert.StartsWith("stories260K.gguf:", metadata.DefaultModelId, StringComparison.Ordinal);

        // The identity keys the on-disk embedding cache, so it must be the same in every process: the empty
        // document prefix hashes to SHA-256("") = e3b0c442..., not to a per-process string hash code.
        Assert.EndsWith(":Model:e3b0c442", metadata.DefaultModelId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_longer_than_the_context_is_truncated_to_its_first_tokens_with_a_warning()
    {
        var ct = TestContext.Current.CancellationToken;
        using var log = new FakeLoggerProvider();
        using var factory = new LoggerFactory([log], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        using var generator = Create(loggerFactory: factory);
        var start = string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 40));

        var vectors = await generator.GenerateAsync([start + "The dog ran to the tree.", start + "She was happy.", "Tom saw a big red ball."], cancellationToken: ct);

        // Both long texts share their first 128 tokens: the rule keeps exactly those, so their vectors are equal.
        Assert.Equal(vectors[0].Vector.ToArray(), vectors[1].Vector.ToArray());
        Assert.NotEqual(vectors[0].Vector.ToArray(), vectors[2].Vector.ToArray());
        var warning = Assert.Single(log.Collector.GetSnapshot(), e => e.Level == LogLevel.Warning);
        Assert.Contains("2 text(s)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("128 tokens", warning.Message, StringComparison.Ordinal);
    }
}
