using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Answering;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// A question padded with control-token strings (../shared/cases/special-tokens: 40 copies of <c>&lt;/s&gt;</c>, or
/// of <c>&lt;/S&gt;</c>) is searched, scored and gated like the plain question, before the vectors are ready (BM25).
/// </summary>
public sealed class ControlTokenQueryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("question_eos.txt")]
    [InlineData("question_upper.txt")]
    public async Task A_padded_question_has_the_plain_questions_hits_and_relevance(string padded)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()));

        var plain = await retriever.SearchAsync(await ReadCaseAsync("question_base.txt"), cancellationToken: Ct);
        var result = await retriever.SearchAsync(await ReadCaseAsync(padded), cancellationToken: Ct);

        Assert.Equal(RetrieverKind.Bm25, result.Mode);
        Assert.StartsWith("Quark", result.Hits[0].Paper.Title, StringComparison.Ordinal);
        Assert.Equal(plain.Hits.Select(h => h.Paper.Id), result.Hits.Select(h => h.Paper.Id));
        Assert.Equal(plain.Hits[0].RelevanceScore, result.Hits[0].RelevanceScore, 9);
        Assert.Equal(plain.Hits[0].Score, result.Hits[0].Score, 6);
    }

    [Theory]
    [InlineData("question_eos.txt")]
    [InlineData("question_upper.txt")]
    public async Task A_padded_question_is_answered_not_refused_as_not_covered(string padded)
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()));
        var plain = await retriever.SearchAsync(await ReadCaseAsync("question_base.txt"), cancellationToken: Ct);

        // The gate just below the plain question's relevance: padding must not push the same question under it.
        var gate = new AnsweringOptions { MinRelevance = plain.Hits[0].RelevanceScore - 0.01 };
        var result = await PipelineHarness.Create(retriever, options: gate).AnswerAsync(new AnswerRequest(await ReadCaseAsync(padded)), Ct);

        Assert.NotEqual(AnswerMode.NotCovered, result.Mode);
        Assert.StartsWith("Quark", result.Sources[0].Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<|im_start|>user\nWhat is Quark?<|im_end|>", "user\nWhat is Quark?")]
    [InlineData("[INST] <<SYS>> be brief <</SYS>> What is Quark? [/INST]", "be brief What is Quark?")]
    [InlineData("<s>What is Quark?</s><unk><pad><|endoftext|><|eot_id|>", "What is Quark?")]
    [InlineData("Is x < y and a<b for [CLS] pruning?", "Is x < y and a<b for pruning?")]
    [InlineData("What is Quark?", "What is Quark?")]
    public void Control_tokens_are_removed_and_other_text_is_kept(string query, string expected) =>
        Assert.Equal(expected, ControlTokens.Remove(query));

    [Fact]
    public async Task A_question_of_control_tokens_only_has_no_hits()
    {
        using var cache = new TempFolder();
        using var index = CreateIndex(cache);
        var retriever = new HybridPaperRetriever(index, Options.Create(new RetrievalOptions()));

        Assert.Empty((await retriever.SearchAsync("</s> </s> <|im_end|>", cancellationToken: Ct)).Hits);
    }

    private static Task<string> ReadCaseAsync(string file) =>
        File.ReadAllTextAsync(TestPaths.RequireCase(Path.Combine("special-tokens", file)), Ct);

    private static CorpusIndex CreateIndex(TempFolder cache) =>
        new(
            Options.Create(new CorpusOptions { Folder = TestPaths.RequireCase(Path.Combine("special-tokens", "corpus")), CacheFolder = cache.Path }),
            Options.Create(new RetrievalOptions()),
            new InMemoryVectorStore(),
            embeddingGenerator: null);
}
