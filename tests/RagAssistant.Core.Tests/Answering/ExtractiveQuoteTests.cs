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

    // Chimera's whole abstract (arXiv 2402.15758): an enumeration ("Firstly, ... Secondly, ...") and openings that
    // point back ("To address this challenge,", "In light of these limitations,") between sentences that stand alone.
    private const string ChimeraAbstract =
        "Large language models (LLMs) have demonstrated remarkable capabilities across various tasks. " +
        "However, their widespread application is hindered by the resource-intensive decoding process. " +
        "To address this challenge, current approaches have incorporated additional decoding heads to enable parallel prediction of multiple subsequent tokens, thereby achieving inference acceleration. " +
        "Nevertheless, the accuracy of these decoding heads falls short of the auto-regressive decoding approach. " +
        "In light of these limitations, we propose Chimera, a novel framework specifically designed for speculative sampling. " +
        "Within this framework, we introduce a lightweight draft model that effectively utilizes previously generated tokens to predict subsequent words. " +
        "To ensure both accuracy and efficiency, we present two strategies within the lightweight draft model. " +
        "Firstly, we focus on capturing short-range dependencies at the bottom layer. " +
        "Secondly, we leverage the readily available representations from the original LLM. " +
        "Through empirical evaluation on the Vicuna and LlaMA-2 series, Chimera demonstrates impressive results, achieving an average latency speedup ratio of 2.7x compared to the vanilla auto-regressive decoding approach.";

    private static AnswerSource Source(string text) => new(1, "p1", "Chimera", null, "f.txt", 1, text);

    [Theory]
    [InlineData("However, their widespread application is hindered.", true)]
    [InlineData("This highlights the potential of the framework.", true)]
    [InlineData("They propose a draft model.", true)]
    [InlineData("Its cost is low.", true)]
    [InlineData("\"Moreover, it runs fast.\"", true)]
    [InlineData("Firstly, we focus on short-range dependencies.", true)]
    [InlineData("First, we draft tokens.", true)]
    [InlineData("Next, the target model verifies them.", true)]
    [InlineData("To address this challenge, we add decoding heads.", true)]
    [InlineData("In light of these limitations, we propose Chimera.", true)]
    [InlineData("In this paper, we propose Chimera.", false)]
    [InlineData("Next-token prediction is the training objective.", false)]
    [InlineData("First-order methods converge slowly.", false)]
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
    public void Quoted_sentences_that_are_not_adjacent_in_the_source_are_marked_with_an_ellipsis_and_each_run_reads_on_its_own()
    {
        // Every pair of sentences the similarity could choose: each run of the quote between ellipses is a passage of
        // the abstract as written, starts where the reader needs nothing before it, and the runs are not adjacent.
        var sentences = ExtractiveAnswerer.Sentences(Source(ChimeraAbstract));
        Assert.Equal(10, sentences.Count);
        for (var i = 0; i < sentences.Count; i++)
        {
            for (var j = i + 1; j < sentences.Count; j++)
            {
                var (a, b) = (sentences[i], sentences[j]);
                var similarity = sentences.ToDictionary(s => s, s => s == a || s == b ? 0.9 : 0.1);
                var line = ExtractiveAnswerer.Compose("question", [Source(ChimeraAbstract)], sentencesPerPaper: 2, similarity).Text.Split('\n')[1];
                var quote = line["- ".Length..line.LastIndexOf(" [1]", StringComparison.Ordinal)];
                var runs = quote.Split(" … ");

                Assert.All(runs, run => Assert.Contains(run, ChimeraAbstract, StringComparison.Ordinal));
                Assert.All(runs, run => Assert.True(run == sentences[0] || run.StartsWith(sentences[0], StringComparison.Ordinal) || !ExtractiveAnswerer.LeansOnPrevious(run), $"'{run}' leans on a sentence not quoted"));
                Assert.All(runs.Zip(runs.Skip(1)), pair => Assert.DoesNotContain(pair.First + " " + pair.Second, ChimeraAbstract, StringComparison.Ordinal));
                Assert.Contains(a, quote, StringComparison.Ordinal);
                Assert.Contains(b, quote, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void An_enumeration_step_is_quoted_with_what_it_enumerates()
    {
        var sentences = ExtractiveAnswerer.Sentences(Source(ChimeraAbstract));
        var similarity = sentences.ToDictionary(s => s, s => s.StartsWith("Secondly", StringComparison.Ordinal) || s.Contains("inference acceleration", StringComparison.Ordinal) ? 0.9 : 0.1);

        var answer = ExtractiveAnswerer.Compose("How is inference accelerated?", [Source(ChimeraAbstract)], sentencesPerPaper: 2, similarity);

        Assert.Contains(
            "- Large language models (LLMs) have demonstrated remarkable capabilities across various tasks. However, their widespread application is hindered by the resource-intensive decoding process. " +
            "To address this challenge, current approaches have incorporated additional decoding heads to enable parallel prediction of multiple subsequent tokens, thereby achieving inference acceleration. … " +
            "To ensure both accuracy and efficiency, we present two strategies within the lightweight draft model. Firstly, we focus on capturing short-range dependencies at the bottom layer. Secondly, we leverage",
            answer.Text,
            StringComparison.Ordinal);
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

    [Theory]
    [InlineData("Which papers use GPT-2?", true)]
    [InlineData("What papers study speculative decoding?", true)]
    [InlineData("List the papers on RLHF.", true)]
    [InlineData("Are there any studies of tokenization?", true)]
    [InlineData("Which recent works fine-tune Llama?", true)]
    [InlineData("How does speculative decoding speed up inference?", false)]
    [InlineData("What is LoRA?", false)]
    [InlineData("Is there a survey of RAG?", false)]
    [InlineData("What do these methods have in common with the papers above?", false)]
    public void A_question_asking_which_papers_asks_for_a_list(string question, bool asks) =>
        Assert.Equal(asks, ExtractiveAnswerer.AsksForPapers(question));

    [Fact]
    public async Task A_question_asking_which_papers_quotes_every_on_topic_source_once()
    {
        FakeRetriever Retriever() => new([.. Enumerable.Range(1, 5).Select(i => FakeRetriever.Hit($"GPT-2 study {i}", $"Study {i} fine-tunes GPT-2 on task {i}. It reports results on benchmark {i}.", 0.9 - (i * 0.05), rank: i))]);
        AnswerPipeline Pipeline(FakeRetriever retriever) => new(
            retriever,
            AnswerPromptTemplates.Load(PipelineHarness.Prompts),
            Options.Create(new AnsweringOptions()),
            Options.Create(new AssistantOptions { RetrievalOnly = true }),
            NullLogger<AnswerPipeline>.Instance);

        var list = Assert.Single((await PipelineHarness.CollectAsync(Pipeline(Retriever()), new AnswerRequest("Which papers use GPT-2?"))).OfType<AnswerCompletedUpdate>()).Result;
        var method = Assert.Single((await PipelineHarness.CollectAsync(Pipeline(Retriever()), new AnswerRequest("How is GPT-2 fine-tuned?"))).OfType<AnswerCompletedUpdate>()).Result;

        // The list: all five sources, one quoted sentence each; a question about a method: the first three, two each.
        Assert.Equal([1, 2, 3, 4, 5], list.Citations.Select(c => c.Number));
        Assert.Equal(5, list.Claims.Count);
        Assert.Equal([1, 2, 3], method.Citations.Select(c => c.Number));
        Assert.Equal(6, method.Claims.Count);
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
