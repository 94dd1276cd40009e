using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Answering;
using RagAssistant.Core.Tests.Ingestion;

namespace RagAssistant.Core.Tests.Retrieval;

public sealed class HybridPaperRetrieverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_an_embedding_model_every_mode_runs_bm25_and_says_so()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation");
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator: null);
        var retriever = CorpusIndexTests.CreateRetriever(index, generator: null);

        var hybrid = await retriever.SearchAsync("speech recognition", cancellationToken: Ct); // builds on first use
        var bm25 = await retriever.SearchAsync("speech recognition", kind: RetrieverKind.Bm25, cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Bm25, hybrid.Mode);
        Assert.Equal(HybridPaperRetriever.Bm25OnlyNotice, hybrid.Notice);
        Assert.Null(bm25.Notice);
        Assert.Equal("Speech Recognition", hybrid.Hits[0].Paper.Title);
        Assert.All(hybrid.Hits, h => Assert.Null(h.DenseRank));
        Assert.Equal(1, hybrid.Hits[0].Bm25Rank);
    }

    [Theory]
    [InlineData("the", 0)]
    [InlineData("x", 0)]
    [InlineData("What is it?", 0)]
    [InlineData("???", 0)]
    [InlineData("Thanks!", 0)] // chat, not a topic: an abstract's "thanks to ..." must not answer it
    [InlineData("hello, thank you", 0)]
    [InlineData("speech", 1)]
    [InlineData("语音识别", 1)]
    public async Task A_question_that_names_nothing_finds_nothing_in_every_mode(string question, int found)
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation", "X Marks The Spot", "Thanks To Hello Kitty");
        var generator = new HashingEmbeddingGenerator();
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator);
        await index.WaitForVectorsAsync(Ct);
        var retriever = CorpusIndexTests.CreateRetriever(index, generator);

        foreach (var kind in new[] { RetrieverKind.Hybrid, RetrieverKind.Dense })
        {
            Assert.Equal(found > 0, (await retriever.SearchAsync(question, kind: kind, cancellationToken: Ct)).Hits.Count > 0);
        }

        if (found == 0)
        {
            Assert.Empty((await retriever.SearchAsync(question, kind: RetrieverKind.Bm25, cancellationToken: Ct)).Hits);
        }

        // With a conversation that names something, a pronoun follow-up is still searched by its context.
        var followUp = await retriever.SearchAsync(new RetrievalQuery("What is it?", "Which papers study speech recognition?"), cancellationToken: Ct);
        Assert.Equal("Speech Recognition", followUp.Hits[0].Paper.Title);
    }

    [Fact]
    public async Task A_question_naming_what_no_paper_mentions_is_ranked_but_relevant_nowhere_in_every_mode_and_answered_not_covered()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var retriever = await ThreePapersAsync(corpus, cache);
        const string Named = "Which speech recognition results are reported on the Switchboard benchmark?";

        foreach (var kind in new[] { RetrieverKind.Bm25, RetrieverKind.Dense, RetrieverKind.Hybrid })
        {
            var result = await retriever.SearchAsync(Named, kind: kind, cancellationToken: Ct);
            Assert.Equal(["Switchboard"], result.UnknownNames);
            Assert.NotEmpty(result.Hits);
            Assert.All(result.Hits, h => Assert.Equal(0, h.RelevanceScore));
        }

        // The ranking is unchanged: the papers are still shown in order, only none is about what the question names.
        var named = await retriever.SearchAsync(Named, cancellationToken: Ct);
        Assert.Equal("Speech Recognition", named.Hits[0].Paper.Title);
        var unnamed = await retriever.SearchAsync("Which speech recognition results are reported?", cancellationToken: Ct);
        Assert.Empty(unnamed.UnknownNames);
        Assert.Equal("Speech Recognition", unnamed.Hits[0].Paper.Title);
        Assert.True(unnamed.Hits[0].RelevanceScore > 0);

        // The answer says which name no paper mentions, without quoting or calling a model.
        var answer = await PipelineHarness.Create(retriever, retrievalOnly: true).AnswerAsync(new AnswerRequest(Named), Ct);
        Assert.True(answer.Refused);
        Assert.Equal(AnswerMode.NotCovered, answer.Mode);
        Assert.Equal("The corpus does not cover this question: no paper in it mentions Switchboard.", answer.Answer);
        Assert.Empty(answer.Sources);
    }

    [Fact]
    public async Task A_question_the_gate_refuses_says_which_of_its_words_no_paper_uses()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var retriever = await ThreePapersAsync(corpus, cache);

        // Lower-case words are not names, so they do not refuse by themselves; when the question is refused anyway,
        // the answer says which of its words no paper uses (a typo shows there).
        var result = await retriever.SearchAsync("How do I bake sourdough bread at home?", cancellationToken: Ct);
        Assert.Empty(result.UnknownNames);
        Assert.Equal(["bake", "sourdough", "bread", "home"], result.UnusedWords);
        var answer = await PipelineHarness.Create(retriever, retrievalOnly: true).AnswerAsync(new AnswerRequest("How do I bake sourdough bread at home?"), Ct);
        Assert.True(answer.Refused);
        Assert.Equal("The corpus does not cover this question: no paper in it is relevant enough to answer from, and none uses the words bake, sourdough, bread or home.", answer.Answer);

        // Words the corpus uses are never listed.
        Assert.Empty((await retriever.SearchAsync("Which papers study speech recognition?", cancellationToken: Ct)).UnusedWords);
    }

    // Three papers (pruning, speech recognition, retrieval augmentation), embedded, and a hybrid retriever over them.
    private static async Task<HybridPaperRetriever> ThreePapersAsync(TempFolder corpus, TempFolder cache)
    {
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation");
        var generator = new HashingEmbeddingGenerator();
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator);
        await index.WaitForVectorsAsync(Ct);
        return CorpusIndexTests.CreateRetriever(index, generator);
    }

    // The paper is named in the first clause; the rest of the question is mostly about another one.
    private const string TwoClauses = "Which work prunes attention heads, and how do speech recognition systems for spoken speech recognition compare?";
    private const string FirstClause = "Which work prunes attention heads";

    // Three papers, embedded by the hashing stand-in: the first clause's, the rest's, and another.
    private static async Task<(CorpusIndex Index, HashingEmbeddingGenerator Generator)> ClausePapersAsync(TempFolder corpus, TempFolder cache)
    {
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Attention Heads", "Speech Recognition Systems", "Protein Folding");
        var generator = new HashingEmbeddingGenerator();
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator);
        await index.WaitForVectorsAsync(Ct);
        return (index, generator);
    }

    [Fact]
    public async Task Hybrid_search_embeds_the_questions_first_clause_and_ranks_by_it_at_its_weight()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var (index, generator) = await ClausePapersAsync(corpus, cache);
        const string question = TwoClauses;
        const string first = FirstClause;

        var off = await CorpusIndexTests.CreateRetriever(index, generator, new RetrievalOptions { FirstClauseWeight = 0 }).SearchAsync(question, cancellationToken: Ct);
        Assert.DoesNotContain(first, generator.QueryTexts);
        Assert.Equal("Speech Recognition Systems", off.Hits[0].Paper.Title);

        var retriever = CorpusIndexTests.CreateRetriever(index, generator, new RetrievalOptions { FirstClauseWeight = 10 });
        var on = await retriever.SearchAsync(question, cancellationToken: Ct);
        Assert.Equal(first, generator.QueryTexts[^1]);
        Assert.Equal("Pruning Attention Heads", on.Hits[0].Paper.Title);

        // A question of one clause has no first clause, and dense search reads none: one query text each.
        var before = generator.QueryTexts.Count;
        await retriever.SearchAsync("Which papers study speech recognition?", cancellationToken: Ct);
        await retriever.SearchAsync(question, kind: RetrieverKind.Dense, cancellationToken: Ct);
        Assert.Equal(["Which papers study speech recognition?", question], generator.QueryTexts.Skip(before));
    }

    [Fact]
    public async Task A_first_clause_the_model_fails_on_is_logged_and_the_search_ranks_without_it()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var (index, generator) = await ClausePapersAsync(corpus, cache);
        const string question = TwoClauses;
        var off = await CorpusIndexTests.CreateRetriever(index, generator, new RetrievalOptions { FirstClauseWeight = 0 }).SearchAsync(question, cancellationToken: Ct);

        generator.FailOn = FirstClause;
        var logger = new FakeLogger<HybridPaperRetriever>();
        var result = await new HybridPaperRetriever(index, Options.Create(new RetrievalOptions { FirstClauseWeight = 10 }), generator, logger).SearchAsync(question, cancellationToken: Ct);

        Assert.Equal((RetrieverKind.Hybrid, null), (result.Mode, result.Notice));
        Assert.Equal(off.Hits.Select(h => (h.Paper.Id, h.Score)), result.Hits.Select(h => (h.Paper.Id, h.Score)));
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("first clause failed (clause model crashed)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hybrid_fuses_both_rankings_and_reports_each_rank()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation", "Protein Folding");
        var generator = new HashingEmbeddingGenerator();
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator);
        await index.WaitForVectorsAsync(Ct);
        var retriever = CorpusIndexTests.CreateRetriever(index, generator);

        var result = await retriever.SearchAsync("retrieval augmentation", topK: 3, cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Hybrid, result.Mode);
        Assert.Null(result.Notice);
        Assert.Equal(3, result.Hits.Count);
        var top = result.Hits[0];
        Assert.Equal("Retrieval Augmentation", top.Paper.Title);
        Assert.Equal((1, 1), (top.Bm25Rank, top.DenseRank));
        Assert.Equal(2.0, top.Score, 6); // normalised-score fusion: best BM25 score and best cosine, each 1 (one clause: no first-clause part)
        Assert.Equal(EmbeddingInputType.Query, generator.InputTypes[^1]);
        Assert.True(result.Hits.Zip(result.Hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public async Task Dense_mode_scores_are_cosines_and_relevance_is_bounded()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition");
        var generator = new HashingEmbeddingGenerator();
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator);
        var retriever = CorpusIndexTests.CreateRetriever(index, generator);
        await index.WaitForVectorsAsync(Ct);

        var result = await retriever.SearchAsync("pruning transformers", kind: RetrieverKind.Dense, cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Dense, result.Mode);
        Assert.Equal("Pruning Transformers", result.Hits[0].Paper.Title);
        Assert.All(result.Hits, h => Assert.InRange(h.Score, -1, 1));
        Assert.All(result.Hits, h => Assert.InRange(h.RelevanceScore, 0, 1));
        Assert.All(result.Hits, h => Assert.Null(h.Bm25Rank));
    }

    [Fact]
    public async Task Relevance_does_not_depend_on_query_length_and_is_low_for_absent_topics()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation");
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator: null);
        var retriever = CorpusIndexTests.CreateRetriever(index, generator: null);

        var shortQuery = await retriever.SearchAsync("pruning", cancellationToken: Ct);
        var longQuery = await retriever.SearchAsync("pruning transformers pruning transformers study", cancellationToken: Ct);
        var offTopic = await retriever.SearchAsync("music composition with symbolic notation and pruning", cancellationToken: Ct);

        // Every term matched: at least half of each term's weight is earned, whatever the query's length.
        Assert.InRange(shortQuery.Hits[0].RelevanceScore, 0.6, 1.0);
        Assert.InRange(longQuery.Hits[0].RelevanceScore, 0.6, 1.0);
        Assert.InRange(offTopic.Hits[0].RelevanceScore, 0.0, 0.3);
    }

    [Fact]
    public async Task Bm25_relevance_tells_apart_hits_that_match_differently_and_keeps_an_unrelated_question_under_the_gate()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        corpus.Write("a.jsonl", string.Join('\n', new[]
        {
            ("Pruning Transformers", "Pruning removes weights; structured pruning removes heads, and pruning at scale keeps accuracy."),
            ("Speech Recognition", "Acoustic models transcribe speech; we prune a few weights in passing."),
            ("Sparse Networks", "A long study of sparse networks, their training dynamics, their memory use, their accuracy on many tasks, and pruning once."),
            ("Retrieval Augmentation", "Retrieval adds documents to the prompt of a language model."),
        }.Select(p => $$"""{"title": "{{p.Item1}}", "abstract": "{{p.Item2}}"}""")));
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator: null);
        var retriever = CorpusIndexTests.CreateRetriever(index, generator: null);

        var pruning = await retriever.SearchAsync("pruning transformers", topK: 4, cancellationToken: Ct);
        var unrelated = await retriever.SearchAsync("Can LLMs compose symbolic music in ABC notation or MIDI?", topK: 4, cancellationToken: Ct);

        var relevance = pruning.Hits.ToDictionary(h => h.Paper.Title, h => h.RelevanceScore);
        Assert.Equal("Pruning Transformers", pruning.Hits[0].Paper.Title);
        Assert.True(relevance["Pruning Transformers"] > relevance["Sparse Networks"]); // both terms, often, vs one term once
        Assert.Equal(pruning.Hits.Count, pruning.Hits.Select(h => h.RelevanceScore).Distinct().Count());
        Assert.All(unrelated.Hits, h => Assert.True(h.RelevanceScore < new RagAssistant.Core.Answering.AnsweringOptions().MinRelevance, $"{h.Paper.Title}: {h.RelevanceScore}"));
    }

    [Fact]
    public async Task Long_documents_give_one_hit_per_paper_by_default()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        corpus.Write("long.md", "# Pruning Notes\n\n" + string.Join(' ', Enumerable.Range(1, 60).Select(i => $"Pruning sentence {i} removes weights.")));
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Speech Recognition");
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator: null, new RetrievalOptions { PassageMaxTokens = 64, PassageOverlapTokens = 8 });
        await index.WaitForVectorsAsync(Ct);
        Assert.True(index.Passages.Count > 5);

        var one = await CorpusIndexTests.CreateRetriever(index, null).SearchAsync("pruning weights", topK: 5, cancellationToken: Ct);
        var many = await CorpusIndexTests.CreateRetriever(index, null, new RetrievalOptions { MaxPassagesPerPaper = 3 }).SearchAsync("pruning weights", topK: 5, cancellationToken: Ct);

        Assert.Single(one.Hits, h => h.Paper.Title == "Pruning Notes");
        Assert.Equal(3, many.Hits.Count(h => h.Paper.Title == "Pruning Notes"));
    }

    [Fact]
    public async Task Empty_corpus_and_empty_queries_return_no_hits()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator: null);
        var report = await index.WaitForVectorsAsync(Ct);
        var retriever = CorpusIndexTests.CreateRetriever(index, null);

        Assert.Equal(0, report.Papers);
        Assert.NotEmpty(report.Warnings);
        Assert.Empty((await retriever.SearchAsync("anything", cancellationToken: Ct)).Hits);
        Assert.Empty((await retriever.SearchAsync("  ", cancellationToken: Ct)).Hits);
    }

    [Fact]
    public async Task Concurrent_first_searches_share_one_index_build()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        CorpusIndexTests.WritePapers(corpus, "a.jsonl", "Pruning Transformers", "Speech Recognition", "Retrieval Augmentation");
        var generator = new HashingEmbeddingGenerator();
        var index = CorpusIndexTests.CreateIndex(corpus, cache, generator);
        var retriever = CorpusIndexTests.CreateRetriever(index, generator);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => retriever.SearchAsync("speech", cancellationToken: Ct), Ct)));
        await index.WaitForVectorsAsync(Ct);

        Assert.All(results, r => Assert.Equal("Speech Recognition", r.Hits[0].Paper.Title));
        Assert.Equal(3 * 3, generator.EmbeddedTexts - generator.InputTypes.Count(t => t == EmbeddingInputType.Query)); // three passages and their two sentences each, once
    }

    [Fact]
    public void Reciprocal_rank_fusion_rewards_agreement()
    {
        var fused = ReciprocalRankFusion.Fuse([["a", "b", "c"], ["b", "c", "a"]], k: 60);

        Assert.Equal(["b", "a", "c"], fused.Select(f => f.Item));
        Assert.Equal((1.0 / 62) + (1.0 / 61), fused[0].Score, 10);
    }
}
