using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Retrieval;
using RagAssistant.Core.VectorStore;
using RagAssistant.Testing.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>
/// Retrieval-only follow-ups (no chat model to rewrite them) on the shipped corpus: the new question drives the
/// search, the previous user question only keeps its topic in view, and the assistant's text is never searched.
/// </summary>
public sealed class FollowUpRetrievalTests
{
    private const string Densing = "Densing Law of LLMs";
    private const string AboutDensing = "What does the Densing Law say about the capacity density of LLMs?";

    // The extractive answer quotes the paper it found, as a user's follow-up would see it.
    private static readonly ChatMessage[] DensingConversation =
    [
        new(ChatRole.User, AboutDensing),
        new(ChatRole.Assistant, "Extracted from the papers: capacity density, the ratio of effective to actual parameter size, doubles roughly every three months [1]."),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_follow_up_about_the_same_paper_still_retrieves_it(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        var result = await pipeline.AnswerAsync(new AnswerRequest("What about its limitations?", DensingConversation), Ct);

        Assert.Equal(AnswerMode.RetrievalOnly, result.Mode);
        Assert.Equal(Densing, result.Sources[0].Title);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_follow_up_that_changes_the_topic_retrieves_the_new_topic(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var retriever = await CreateRetrieverAsync(index, hybrid);
        var pipeline = PipelineHarness.Create(retriever);
        const string question = "And which papers make inference faster with speculative decoding?";
        var alone = await retriever.SearchAsync(question, cancellationToken: Ct);

        var result = await pipeline.AnswerAsync(new AnswerRequest(question, DensingConversation), Ct);

        Assert.Contains("Speculative", alone.Hits[0].Paper.Title, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(alone.Hits[0].Paper.Title, result.Sources[0].Title);
        Assert.DoesNotContain(result.Sources, s => s.Title == Densing);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_short_question_in_words_no_paper_uses_is_judged_alone_not_carried_by_the_earlier_topic(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // Two topic words, so "vague" by count; but neither is a word of the corpus: a subject of its own.
        var offTopic = await pipeline.AnswerAsync(new AnswerRequest("How do I bake bread?", DensingConversation), Ct);
        var vague = await pipeline.AnswerAsync(new AnswerRequest("What about its limitations?", DensingConversation), Ct);

        Assert.True(offTopic.Refused);
        Assert.Equal(AnswerMode.NotCovered, offTopic.Mode);
        Assert.Equal(Densing, vague.Sources[0].Title);
    }

    [Fact]
    public async Task A_question_that_finds_enough_alone_is_searched_alone_and_assistant_text_is_never_searched()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid: false);
        var retriever = await CreateRetrieverAsync(index, hybrid: false);
        const string question = "Which papers make inference faster with speculative decoding?";

        var alone = await retriever.SearchAsync(question, cancellationToken: Ct);
        var followUp = await retriever.SearchAsync(new RetrievalQuery(question, AboutDensing), cancellationToken: Ct);
        var unweighted = await (await CreateRetrieverAsync(index, hybrid: false, contextWeight: 0)).SearchAsync(new RetrievalQuery(question, AboutDensing), cancellationToken: Ct);

        Assert.Equal(question, followUp.Query);
        Assert.Equal(alone.Hits.Select(h => h.Paper.Id), followUp.Hits.Select(h => h.Paper.Id)); // the old topic does not leak in
        Assert.Equal(alone.Hits.Select(h => h.RelevanceScore), followUp.Hits.Select(h => h.RelevanceScore));
        Assert.Equal(alone.Hits.Select(h => h.Paper.Id), unweighted.Hits.Select(h => h.Paper.Id)); // weight 0: the question alone
        Assert.DoesNotContain(followUp.Hits, h => h.Paper.Title == Densing);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_new_topic_after_a_vague_follow_up_is_answered_not_refused(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // The issue's conversation: the third question changes the topic and was refused ("best relevance 0.019").
        var results = await AskAsync(pipeline, "Which papers study speculative decoding?", "How much faster is it?", "What is LoRA?");

        Assert.True(results[1].Sources.Any(s => s.Title.Contains("Speculative Decoding", StringComparison.OrdinalIgnoreCase)), $"{results[1].Mode}: {string.Join(" / ", results[1].Sources.Select(s => s.Title))}");
        Assert.Equal(AnswerMode.RetrievalOnly, results[2].Mode);
        Assert.Contains("LoRA", results[2].Sources[0].Title, StringComparison.Ordinal);
        Assert.DoesNotContain(results[2].Sources, s => s.Title.Contains("Speculative", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_question_of_its_own_with_the_is_a_new_topic_and_a_continuation_with_the_follows_up(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // The trial's mix: "What is the attention mechanism?" after a decoding question found two decoding papers.
        var results = await AskAsync(pipeline, "Which papers study speculative decoding?", "What is the attention mechanism?", "And the memory cost?");

        Assert.Equal("What is the attention mechanism?", results[1].SearchQuery);
        Assert.DoesNotContain(results[1].Sources, s => s.Title.Contains("Decoding", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("What is the attention mechanism? And the memory cost?", results[2].SearchQuery);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Chat_after_a_topic_quotes_no_paper_and_says_what_the_assistant_answers(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // The trial's "thanks!" and "hi" after "What is LoRA?" were searched as "What is LoRA? thanks!" and quoted LoRA.
        // "How are you?" and "What can you do?" ask about the assistant, and "ok", "great, thanks" and "no" acknowledge;
        // they were answered from the LoRA papers (or "great" from a paper's "great interest").
        var results = await AskAsync(pipeline, "What is LoRA?", "thanks!", "hi", "Hello, how are you today?", "How are you?", "What can you do?", "ok", "great, thanks", "no", "What about its limitations?");

        Assert.All(results.Skip(1).Take(8), r =>
        {
            Assert.Equal(AnswerMode.NotCovered, r.Mode);
            Assert.Equal(AnswerPipeline.ChatReply, r.Answer);
            Assert.Empty(r.Sources);
            Assert.Null(r.RetrievalNotice); // nothing was searched, so no note on how (BM25 only while the vectors are pending)
        });
        Assert.Contains("LoRA", results[^1].SearchQuery, StringComparison.Ordinal); // chat is no topic: "its" is still LoRA
    }

    [Fact]
    public async Task The_on_topic_cut_keeps_the_ranking_prefix_down_to_the_last_passing_source()
    {
        static AnswerSource Source(int n, double relevance) => new(n, $"p{n}", $"Paper {n}", null, "f.txt", 1.0 / n, "text") { Relevance = relevance };
        AnswerSource[] ranked = [Source(1, 0.40), Source(2, 0.124), Source(3, 0.164), Source(4, 0.05), Source(5, 0.02)];

        var kept = AnswerPipeline.OnTopic(ranked, 0.15);

        Assert.Equal(["p1", "p2", "p3"], kept.Select(s => s.PaperId)); // the second stays although a weaker third passes
        Assert.Equal([1, 2, 3], kept.Select(s => s.Number));
        Assert.Empty(AnswerPipeline.OnTopic([Source(1, 0.1), Source(2, 0.05)], 0.15));
    }

    [Fact]
    public async Task Bm25_only_vague_follow_ups_keep_the_topic_of_the_conversation()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid: false);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid: false));

        // The trial's conversation, as typed; each answer goes into the history as the chat would keep it.
        var titles = (await AskAsync(pipeline, "What is speculative decoding?", "How fast is it?", "Does it change the output distribution?")).Select(r => r.Sources[0].Title).ToList();

        Assert.All(titles, t => Assert.Contains("Speculative Decoding", t, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_chain_of_vague_follow_ups_keeps_the_topic_of_the_question_that_set_it(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // The trial's chain ("And the speed?" found GeDi and an encoder paper on its own), and longer: each follow-up
        // leans on the first question, not on the vague one before it.
        var results = await AskAsync(pipeline, "Which papers study speculative decoding?", "What about its limitations?", "And the speed?", "How much faster is it?", "And the memory cost?", "And the latency?");

        // The search weighed the question that set the topic, not every earlier question it was offered.
        Assert.Equal("Which papers study speculative decoding? And the latency?", results[^1].SearchQuery);

        Assert.All(results.Skip(1), r =>
        {
            var titles = string.Join(" / ", r.Sources.Select(s => s.Title));
            Assert.True(r.Sources.Count(s => s.Title.Contains("Speculative Decoding", StringComparison.OrdinalIgnoreCase)) >= 2, titles);
            Assert.False(r.Sources.Any(s => UnrelatedToSpeculativeDecoding.Contains(s.Title)), titles);
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refused_question_is_no_context_so_a_later_follow_up_refers_to_the_last_answered_topic(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        var results = await AskAsync(pipeline, "What is LoRA?", "Tell me a joke", "How much memory does it save?", "And the accuracy?");

        Assert.Equal(AnswerMode.NotCovered, results[1].Mode);
        Assert.All(results.Skip(2), r =>
        {
            Assert.DoesNotContain("joke", r.SearchQuery, StringComparison.OrdinalIgnoreCase);
            Assert.True(r.Sources.Count > 0 && r.Sources[0].Title.Contains("LoRA", StringComparison.Ordinal), string.Join(" / ", r.Sources.Select(s => s.Title)));
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_question_refused_for_a_name_no_paper_uses_stays_the_topic_and_its_follow_up_is_refused_by_that_name(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // Medusa is a speculative decoding method no paper of the corpus mentions: "it" is Medusa, not the papers before.
        var results = await AskAsync(pipeline, "Which papers study speculative decoding?", "Does any paper evaluate Medusa?", "How fast is it?");

        Assert.All(results.Skip(1), r =>
        {
            Assert.Equal(AnswerMode.NotCovered, r.Mode);
            Assert.Equal(AnswerPipeline.NotCoveredAnswer(["Medusa"], []), r.Answer);
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_vague_question_naming_a_topic_of_its_own_after_a_chain_moves_to_it(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // "speed" is in as many papers as "lora": a new topic is told by its words, not by how much they find.
        var results = await AskAsync(pipeline, "Which papers study speculative decoding?", "And the speed?", "What is LoRA?", "And the speed?");

        var titles = results.Select(r => string.Join(" / ", r.Sources.Select(s => s.Title))).ToList();
        Assert.True(results[2].Sources[0].Title.Contains("LoRA", StringComparison.Ordinal), titles[2]);
        Assert.False(results[2].Sources.Any(s => s.Title.Contains("Speculative", StringComparison.OrdinalIgnoreCase)), titles[2]);
        Assert.True(results[3].Sources[0].Title.Contains("LoRA", StringComparison.Ordinal), titles[3]); // the speed of LoRA now
        Assert.False(results[3].Sources.Any(s => s.Title.Contains("Speculative", StringComparison.OrdinalIgnoreCase)), titles[3]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_follow_up_asking_for_what_no_paper_holds_is_refused_not_answered_from_the_earlier_topic(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var pipeline = PipelineHarness.Create(await CreateRetrieverAsync(index, hybrid));

        // No paper uses "poem": "it" is the topic, but what is asked of it nothing in the corpus answers.
        var results = await AskAsync(pipeline, "Which papers study speculative decoding?", "Write me a poem about it", "How fast is it?");

        var titles = results.Select(r => string.Join(" / ", r.Sources.Select(s => s.Title))).ToList();
        Assert.Equal("Write me a poem about it", results[1].SearchQuery);
        Assert.Equal(AnswerMode.NotCovered, results[1].Mode);
        Assert.True(results[2].Sources.Any(s => s.Title.Contains("Speculative Decoding", StringComparison.OrdinalIgnoreCase)), titles[2]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_question_naming_its_own_subject_is_judged_alone_though_it_has_pronouns_and_a_word_no_paper_uses(bool hybrid)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid);
        var retriever = await CreateRetrieverAsync(index, hybrid);
        // "their" and "they" are its own networks', and no paper uses "catalogues": after "What is LoRA?" it was
        // refused, every relevance set to 0 as for "Write me a poem about it".
        const string question = "Is there a survey that catalogues techniques for adapting huge text networks by updating only a small fraction of their weights, and that also measures how much memory they save?";

        var alone = await retriever.SearchAsync(question, cancellationToken: Ct);
        var after = await retriever.SearchAsync(new RetrievalQuery(question, "What is LoRA?"), cancellationToken: Ct);

        Assert.Contains(alone.Hits, h => h.RelevanceScore > 0);
        Assert.Equal(alone.Hits.Select(h => (h.Paper.Id, h.RelevanceScore)), after.Hits.Select(h => (h.Paper.Id, h.RelevanceScore)));

        // A short one that points back is still the conversation's: its relevance is 0.
        var poem = await retriever.SearchAsync(new RetrievalQuery("Write me a poem about it", "What is LoRA?"), cancellationToken: Ct);
        Assert.All(poem.Hits, h => Assert.Equal(0, h.RelevanceScore));
    }

    [Fact]
    public async Task A_short_question_naming_a_rare_term_passes_the_gate_and_an_absent_topic_does_not()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache, hybrid: true);
        await index.WaitForVectorsAsync(Ct);

        // A floor and a sentence scale this high leave the cosine and the sentence standing no say: only the exact
        // rare-term match can lift the relevance.
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions { CosineFloor = 0.999, SentenceScoreScale = 1000, CrowdedSentenceScoreScale = 1000 }), new HashingEmbeddingGenerator());
        var lora = await retriever.SearchAsync("What is LoRA?", cancellationToken: Ct);
        var music = await retriever.SearchAsync("Can LLMs compose symbolic music in ABC notation or MIDI?", cancellationToken: Ct);
        var minRelevance = new AnsweringOptions().MinRelevance;

        Assert.Equal(RetrieverKind.Hybrid, lora.Mode);
        var best = lora.Hits.MaxBy(h => h.RelevanceScore)!;
        Assert.Contains("LoRA", best.Paper.Title, StringComparison.Ordinal);
        Assert.True(best.RelevanceScore >= minRelevance, $"{best.Paper.Title}: {best.RelevanceScore}");
        Assert.All(music.Hits, h => Assert.True(h.RelevanceScore < minRelevance, $"{h.Paper.Title}: {h.RelevanceScore}"));
    }

    // What "And the speed?" and "And the memory cost?" find on their own (BM25, the bundled model or the hashing stand-in).
    private static readonly HashSet<string> UnrelatedToSpeculativeDecoding =
    [
        "GeDi: Generative Discriminator Guided Sequence Generation",
        "Language Models on a Diet: Cost-Efficient Development of Encoders for Closely-Related Languages via Additional Pretraining",
        "Cut Your Losses in Large-Vocabulary Language Models",
    ];

    private static Task<List<AnswerResult>> AskAsync(AnswerPipeline pipeline, params string[] questions) => Conversation.AskAsync(pipeline, questions, Ct);

    private static CorpusIndex CreateIndex(TempFolder cache, bool hybrid) =>
        new(
            Options.Create(new CorpusOptions { Folder = TestPaths.ShippedCorpus, CacheFolder = cache.Path }),
            Options.Create(new RetrievalOptions()),
            new InMemoryVectorStore(),
            hybrid ? new HashingEmbeddingGenerator() : null);

    private static async Task<HybridPaperRetriever> CreateRetrieverAsync(CorpusIndex index, bool hybrid, double contextWeight = 0.3)
    {
        if (hybrid)
        {
            await index.WaitForVectorsAsync(Ct);
        }

        // The hashing stand-in's cosines are lower than a real model's: no floor, so the gate sees them unscaled. Its
        // 64 hashed dimensions collide, so no sentence stands as far above the corpus as with a real model either: the
        // sentence standing is unscaled too (a standard score of 0.15 passes, crowded or not). These tests are about which papers a
        // follow-up finds; the real model's gate is measured in Retrieval/README.md and tested end to end.
        var defaults = new RetrievalOptions();
        var options = new RetrievalOptions
        {
            ContextWeight = contextWeight,
            CosineFloor = hybrid ? 0 : defaults.CosineFloor,
            SentenceScoreScale = hybrid ? 1 : defaults.SentenceScoreScale,
            CrowdedSentenceScoreScale = hybrid ? 1 : defaults.CrowdedSentenceScoreScale,
        };
        return new HybridPaperRetriever(index, Options.Create(options), hybrid ? new HashingEmbeddingGenerator() : null);
    }
}
