using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Ingestion;
using RagAssistant.Core.Tests.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>A source's own reference markers ("prior work [2]") never count as, or read as, our citations.</summary>
public sealed class SourceMarkerTests
{
    private const string MarkedText = "We evict low-attention tokens, following prior work [2] and the scheme of [7]; see also [1, 3] and 【4】. Results in [2024] use [CLS] pooling.";

    private static readonly RetrievedPassage[] Hits =
    [
        FakeRetriever.Hit("KV Cache Compression", MarkedText, 0.9, 1),
        FakeRetriever.Hit("Byte-Pair Encoding Tokenizers", "Vocabulary size trades off sequence length against embedding memory.", 0.5, 2),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("prior work [2].", "prior work (ref. 2).")]
    [InlineData("see [1, 3] and [4-6]", "see (ref. 1, 3) and (ref. 4-6)")]
    [InlineData("as in 【4】", "as in (ref. 4)")]
    [InlineData("[Source 2] says", "(ref. Source 2) says")]
    [InlineData("in [2024], [CLS], [a] and [x1]", "in [2024], [CLS], [a] and [x1]")]
    [InlineData("unclosed [2 and ]", "unclosed [2 and ]")]
    public void Reference_markers_of_source_text_are_rewritten_and_other_brackets_kept(string text, string expected) =>
        Assert.Equal(expected, CitationStreamParser.NeutralizeSourceMarkers(text));

    [Fact]
    public async Task Retrieval_only_quotes_cite_only_their_own_sources_and_flag_nothing()
    {
        var pipeline = PipelineHarness.Create(new FakeRetriever(Hits), retrievalOnly: true);

        var result = await pipeline.AnswerAsync(new AnswerRequest("How is the KV cache compressed by evicting tokens?"), Ct);

        Assert.Equal(AnswerMode.RetrievalOnly, result.Mode);
        Assert.Equal([1, 2], result.Citations.Select(c => c.Number));
        Assert.Empty(result.InvalidCitations);
        Assert.Contains("prior work (ref. 2)", result.Answer, StringComparison.Ordinal);
        Assert.DoesNotContain("[7]", result.Answer, StringComparison.Ordinal);
        Assert.DoesNotContain("?7", result.Answer, StringComparison.Ordinal);
        Assert.EndsWith("[1]", result.Answer.Split('\n')[1], StringComparison.Ordinal);
        Assert.DoesNotContain("[2] ", result.Answer.Split('\n')[1], StringComparison.Ordinal);
        Assert.Contains("(ref. 7)", result.Sources[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prompt_holds_only_the_numbering_of_the_offered_sources()
    {
        var chat = new ScriptedChatClient(["Tokens are evicted [1]."]);
        var pipeline = PipelineHarness.Create(new FakeRetriever(Hits), chat);

        var result = await pipeline.AnswerAsync(new AnswerRequest("How is the KV cache compressed by evicting tokens?"), Ct);

        var prompt = chat.Calls[0].Messages[1].Text;
        Assert.Contains("prior work (ref. 2) and the scheme of (ref. 7)", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("[7]", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("work [2]", prompt, StringComparison.Ordinal);
        Assert.Equal([1], result.Citations.Select(c => c.Number));
        Assert.Empty(result.InvalidCitations);
    }

    [Fact]
    public async Task The_citation_markers_corpus_of_the_bug_report_cites_only_what_the_assistant_quoted()
    {
        var source = TestPaths.RequireCase("citation-markers");
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        corpus.CopyFrom(source);

        var retriever = CorpusIndexTests.CreateRetriever(CorpusIndexTests.CreateIndex(corpus, cache, generator: null), generator: null);
        var pipeline = PipelineHarness.Create(retriever, retrievalOnly: true);

        var result = await pipeline.AnswerAsync(new AnswerRequest("Which prior work does KV cache compression follow to evict low-attention tokens?"), Ct);

        Assert.Equal("KV Cache Compression for Long-Context Inference", result.Sources[0].Title);
        Assert.Empty(result.InvalidCitations);
        Assert.Equal(result.Sources.Take(new AnsweringOptions().ExtractivePapers).Select(s => s.Number), result.Citations.Select(c => c.Number));
        Assert.Contains("prior work (ref. 2) and the quantisation scheme of (ref. 7)", result.Sources[0].Text, StringComparison.Ordinal);
        // The quote keeps the whole sentence: "(ref. 2)" is no sentence end.
        Assert.Contains("prior work (ref. 2) and the quantisation scheme of (ref. 7).", result.Answer, StringComparison.Ordinal);
        Assert.DoesNotContain("[7]", result.Answer, StringComparison.Ordinal);
        foreach (var (quote, number) in result.Answer.Split('\n').Skip(1).Select((q, i) => (q, i + 1)))
        {
            Assert.Equal(quote.IndexOf('[', StringComparison.Ordinal), quote.LastIndexOf('[')); // only the assistant's own marker
            Assert.EndsWith($"[{number}]", quote, StringComparison.Ordinal);
        }
    }
}
