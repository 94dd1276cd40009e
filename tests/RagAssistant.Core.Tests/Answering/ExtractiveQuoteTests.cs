using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>Retrieval-only quotes: chosen by how well they answer, and never a sentence that leans on one not quoted.</summary>
public sealed class ExtractiveQuoteTests
{
    // Chimera's abstract, as the issue quoted it: the second sentence has no subject of its own.
    private const string Chimera =
        "Large language models (LLMs) have demonstrated remarkable capabilities across various tasks. " +
        "However, their widespread application is hindered by the resource-intensive decoding process. " +
        "Chimera achieves an average latency speedup ratio of 2.7x compared to vanilla auto-regressive decoding.";

    private static AnswerSource Source(string text) => new(1, "p1", "Chimera", null, "f.txt", 1, text);

    [Theory]
    [InlineData("However, their widespread application is hindered.", true)]
    [InlineData("This highlights the potential of the framework.", true)]
    [InlineData("They propose a draft model.", true)]
    [InlineData("Its cost is low.", true)]
    [InlineData("\"Moreover, it runs fast.\"", true)]
    [InlineData("Speculative decoding speeds up inference.", false)]
    [InlineData("Theory predicts the loss.", false)]
    [InlineData("Therapeutic text is absent.", false)]
    public void A_sentence_that_points_back_cannot_stand_alone(string sentence, bool leans) =>
        Assert.Equal(leans, ExtractiveAnswerer.LeansOnPrevious(sentence));

    [Fact]
    public void A_quote_that_cannot_stand_alone_takes_the_sentence_before_it()
    {
        var answer = ExtractiveAnswerer.Compose("Why is the widespread application of LLMs hindered?", [Source(Chimera)], sentencesPerPaper: 1);

        Assert.Contains("Large language models (LLMs) have demonstrated remarkable capabilities across various tasks. However, their widespread application", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotes_follow_the_similarity_given_not_the_shared_words()
    {
        var sentences = ExtractiveAnswerer.Sentences(Source(Chimera));
        var similarity = sentences.ToDictionary(s => s, s => s.Contains("2.7x", StringComparison.Ordinal) ? 0.9 : 0.1);

        // "capabilities" and "tasks" are shared with the first sentence; the similarity says the third answers.
        var answer = ExtractiveAnswerer.Compose("How much faster is it across tasks and capabilities?", [Source(Chimera)], sentencesPerPaper: 1, similarity);

        Assert.Contains("2.7x", answer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("remarkable capabilities", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrieval_only_quotes_read_the_sentence_vectors_the_index_embedded_once()
    {
        var sentences = ExtractiveAnswerer.Sentences(Source(Chimera));
        var index = new SentenceVectors(sentences.ToDictionary(s => s, s => new[] { s.Contains("2.7x", StringComparison.Ordinal) ? 1f : 0f, 1f }));
        var embedder = new CountingEmbedder();
        var pipeline = new AnswerPipeline(
            new FakeRetriever([FakeRetriever.Hit("Chimera", Chimera, 0.9)]),
            AnswerPromptTemplates.Load(PipelineHarness.Prompts),
            Options.Create(new AnsweringOptions()),
            Options.Create(new AssistantOptions { RetrievalOnly = true }),
            NullLogger<AnswerPipeline>.Instance,
            embeddingGenerator: embedder,
            sentenceVectors: index);

        var updates = await PipelineHarness.CollectAsync(pipeline, new AnswerRequest("How much faster is it across tasks and capabilities?"));

        // Only the question was embedded; the sentences' vectors came from the index and chose the quote.
        Assert.Equal(["How much faster is it across tasks and capabilities?"], embedder.Texts);
        Assert.Contains("2.7x", Assert.Single(updates.OfType<AnswerCompletedUpdate>()).Result.Answer, StringComparison.Ordinal);
    }

    private sealed class SentenceVectors(Dictionary<string, float[]> vectors) : ISourceSentenceVectors
    {
        public Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetAsync(IEnumerable<string> sentences, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyDictionary<string, ReadOnlyMemory<float>>>(sentences.Distinct().Where(vectors.ContainsKey).ToDictionary(s => s, s => new ReadOnlyMemory<float>(vectors[s])));
    }

    // Embeds every text as (1, 1), so the question is as close as can be to the sentence the index gave (1, 1).
    private sealed class CountingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private static readonly float[] Unit = [1f, 1f];

        public List<string> Texts { get; } = [];

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            Texts.AddRange(texts);
            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(texts.Select(_ => new Embedding<float>(Unit))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
