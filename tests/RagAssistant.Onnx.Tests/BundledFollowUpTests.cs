using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Testing.Answering;

namespace RagAssistant.Onnx.Tests;

/// <summary>
/// Retrieval-only conversations with the product's search (both bundled embedders, hybrid, the application's
/// out-of-domain floor) through the real answer pipeline, each answer going into the history as the chat keeps it: a
/// chain of vague follow-ups keeps the topic of the question that set it, a question refused as off the corpus's
/// subject is no context (one refused for a name no paper uses is, and its follow-up is refused by that name), a vague
/// question naming a topic of its own moves to it, and a follow-up asking for what no paper holds is not answered from
/// the earlier topic.
/// </summary>
[Collection(BundledModelCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class BundledFollowUpTests(BundledModel model)
{
    private const string SpeculativeDecoding = "Which papers study speculative decoding?";

    // What "And the speed?", "And the memory cost?" and "And the latency?" find on their own with the bundled model.
    private static readonly string[] Unrelated =
    [
        "GeDi: Generative Discriminator Guided Sequence Generation",
        "Language Models on a Diet: Cost-Efficient Development of Encoders for Closely-Related Languages via Additional Pretraining",
        "Cut Your Losses in Large-Vocabulary Language Models",
        "A Comprehensive Survey of Small Language Models in the Era of Large Language Models: Techniques, Enhancements, Applications, Collaboration with LLMs, and Trustworthiness",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Follow_up_chains_keep_the_topic_that_was_answered_and_new_topics_move_on()
    {
        using var cache = new TempFolder();
        using var index = DevData.CreateIndex(TestPaths.ShippedCorpus, cache.Path, model.Generator, second: model.Second);
        await index.WaitForVectorsAsync(Ct);
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions { OutOfDomainCosine = 0.60 }), model.Generator, secondEmbeddingGenerator: model.Second);
        var pipeline = new AnswerPipeline(
            retriever,
            AnswerPromptTemplates.Load(Path.Combine(TestPaths.RepositoryRoot, "prompts")),
            Options.Create(new AnsweringOptions()),
            Options.Create(new AssistantOptions { RetrievalOnly = true }),
            NullLogger<AnswerPipeline>.Instance,
            embeddingGenerator: model.Generator);

        // The trial's chain ("And the speed?" found GeDi and an encoder paper), and longer.
        var chain = await AskAsync(pipeline, SpeculativeDecoding, "What about its limitations?", "And the speed?", "How much faster is it?", "And the memory cost?", "And the latency?");
        Assert.All(chain.Skip(1), r =>
        {
            Assert.True(r.Sources.Count(s => s.Title.Contains("Speculative Decoding", StringComparison.OrdinalIgnoreCase)) >= 2, Titles(r));
            Assert.False(r.Sources.Any(s => Unrelated.Contains(s.Title)), Titles(r));
        });

        // "it" after a refused question is the last answered topic.
        var refused = await AskAsync(pipeline, "What is LoRA?", "Tell me a joke", "How much memory does it save?", "And the accuracy?");
        Assert.Equal(AnswerMode.NotCovered, refused[1].Mode);
        Assert.All(refused.Skip(2), r => Assert.True(r.Sources.Count > 0 && r.Sources[0].Title.Contains("LoRA", StringComparison.Ordinal), Titles(r)));

        // A question refused for a name no paper uses stays the topic: "it" is Medusa, refused by that name.
        var named = await AskAsync(pipeline, SpeculativeDecoding, "Does any paper evaluate Medusa?", "How fast is it?");
        Assert.All(named.Skip(1), r => Assert.Equal(AnswerPipeline.NotCoveredAnswer(["Medusa"], []), r.Answer));

        // A vague question naming a topic of its own moves to it; the next vague one follows the new topic.
        var moved = await AskAsync(pipeline, SpeculativeDecoding, "And the speed?", "What is LoRA?", "And the speed?");
        Assert.All(moved.Skip(2), r =>
        {
            Assert.True(r.Sources.Count > 0 && r.Sources[0].Title.Contains("LoRA", StringComparison.Ordinal), Titles(r));
            Assert.False(r.Sources.Any(s => s.Title.Contains("Speculative", StringComparison.OrdinalIgnoreCase)), Titles(r));
        });

        // Asking for what no paper holds is refused, not quoted from the earlier topic; "it" then is still that topic.
        var poem = await AskAsync(pipeline, SpeculativeDecoding, "Write me a poem about it", "How fast is it?");
        Assert.Equal(AnswerMode.NotCovered, poem[1].Mode);
        Assert.True(poem[2].Sources.Count(s => s.Title.Contains("Speculative Decoding", StringComparison.OrdinalIgnoreCase)) >= 2, Titles(poem[2]));
    }

    private static string Titles(AnswerResult result) => $"{result.Question}: {result.Mode}: " + string.Join(" / ", result.Sources.Select(s => s.Title));

    private static Task<List<AnswerResult>> AskAsync(AnswerPipeline pipeline, params string[] questions) => Conversation.AskAsync(pipeline, questions, Ct);
}
