using System.Globalization;
using Lucene.Net.Search;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Ingestion;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// Long questions must never exceed Lucene's clause limit (<see cref="BooleanQuery.MaxClauseCount"/>); accents fold, so
/// "naive" and "naïve" are one term.
/// </summary>
public sealed class Bm25IndexTests
{
    // 520 distinct codes, each also in the corpus, so none is dropped as absent: 1,040 clauses before the cap.
    private static readonly string[] Codes = [.. Enumerable.Range(0, 520).Select(i => string.Create(CultureInfo.InvariantCulture, $"{(char)('a' + (i / 20))}{(char)('a' + (i % 20))}{i % 10}"))];

    public static TheoryData<Bm25Options> Variants => new()
    {
        new Bm25Options(),
        new Bm25Options { Stemming = false, QuestionStopWords = true },
        new Bm25Options { TitleBoost = 0 },
        new Bm25Options { FeedbackDocuments = 5, FeedbackTerms = 100 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_question_with_more_terms_than_lucene_allows_clauses_searches_without_error(Bm25Options options)
    {
        var documents = Codes.Chunk(10).Select((chunk, i) => new Bm25Document($"Codes {i}", string.Join(' ', chunk))).ToList();
        using var index = new Bm25Index(documents, options);
        var question = "Which papers mention any of these codes: " + string.Join(' ', Codes) + "?";
        Assert.InRange(question.Length, 2_000, 2_200);

        var hits = index.Search(question, 10);

        Assert.Equal(10, hits.Count);
        Assert.True(index.MaxQueryTerms * (options.TitleBoost > 0 ? 2 : 1) <= BooleanQuery.MaxClauseCount);
    }

    [Fact]
    public void Every_cjk_character_is_a_term_and_a_2000_character_cjk_question_still_searches()
    {
        // 2,000 distinct ideographs, all present in the corpus: the analyser makes each one a term.
        var ideographs = Enumerable.Range(0x4E00, 2_000).Select(c => ((char)c).ToString()).ToArray();
        var documents = ideographs.Chunk(50).Select((chunk, i) => new Bm25Document($"文档 {i}", string.Concat(chunk))).ToList();
        using var index = new Bm25Index(documents, new Bm25Options());
        var question = string.Concat(ideographs);
        Assert.Equal(2_000, index.Analyze(question).Distinct().Count());

        var hits = index.Search(question, 5);

        Assert.Equal(5, hits.Count);
    }

    [Fact]
    public void Past_the_cap_the_rarest_terms_are_kept_so_the_document_they_name_still_ranks_first()
    {
        // 600 terms every document shares, then one that only "Target" has: the rare term must survive the cap.
        var common = Enumerable.Range(0, 600).Select(i => "common" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var shared = string.Join(' ', common);
        var documents = Enumerable.Range(0, 20).Select(i => new Bm25Document($"Filler {i}", shared)).ToList();
        documents.Add(new Bm25Document("Target", shared + " zygomorphic"));
        using var index = new Bm25Index(documents, new Bm25Options());

        var hits = index.Search(shared + " zygomorphic", 3);

        Assert.Equal(documents.Count - 1, hits[0].Ordinal);
        Assert.True(hits[0].Score > hits[1].Score);
    }

    [Fact]
    public void Terms_the_corpus_never_uses_are_not_searched_but_still_lower_coverage()
    {
        var documents = new[] { new Bm25Document("Speculative decoding", "A draft model proposes tokens.") };
        using var index = new Bm25Index(documents, new Bm25Options());
        var question = "speculative decoding " + string.Join(' ', Codes);

        var hit = Assert.Single(index.Search(question, 5));

        Assert.True(index.Relevance(index.Analyze(question).ToList(), hit.Ordinal) < 0.05);
    }

    [Fact]
    public void The_long_question_of_the_bug_report_searches_without_error()
    {
        var question = File.ReadAllText(TestPaths.RequireCase(Path.Combine("long-question", "question.txt")));
        var documents = Codes.Select(c => new Bm25Document("Code " + c, "The code " + c + " is listed here.")).ToList();
        using var index = new Bm25Index(documents, new Bm25Options());

        var exception = Record.Exception(() => index.Search(question, 10));

        Assert.Null(exception);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Accents_fold_so_a_question_with_or_without_them_finds_the_note_written_the_other_way(Bm25Options options)
    {
        using var index = new Bm25Index(
            [
                new Bm25Document("Zürich notes", "A naïve Bayes baseline for résumé screening, tested in Zürich."),
                new Bm25Document("Transformers", "Attention is all you need; a naive baseline trails it."),
                new Bm25Document("Speech", "Whisper transcribes speech in many languages."),
            ],
            options);

        Assert.Equal(0, index.Search("resume screening", 3)[0].Ordinal);
        Assert.Equal(0, index.Search("What was tested in Zurich?", 3)[0].Ordinal);
        Assert.Equal(index.Analyze("naive"), index.Analyze("naïve"));
        Assert.Empty(UnknownNames.Find(index, "Which notes were written in Zurich?"));
        Assert.Equal(["Paris"], UnknownNames.Find(index, "Which notes were written in Paris?"));
        Assert.Equal(["日", "本"], index.Analyze("日本")); // other scripts pass through unchanged
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_versioned_name_is_one_term_however_it_is_written_apart(Bm25Options options)
    {
        using var index = new Bm25Index(
            [
                new Bm25Document("Scaling GPT-4", "We evaluate GPT-4 on 2 benchmarks with 2 billion tokens; GPT models scale."),
                new Bm25Document("Small stories", "GPT 2 small and GPT-Neo fail to write stories."),
                new Bm25Document("A feed-forward baseline", "A baseline derived from the GPT2 architecture."),
                new Bm25Document("Long context", "Llama-3 and LLaMA 3 read 32,768 tokens; in 2023 the top 5 models did not."),
                .. Enumerable.Range(3, 8).Select(i => new Bm25Document($"GPT-{i} study {i}", $"GPT-{i} and GPT-4 solve 2 of {i} tasks in 2 passes.")),
            ],
            options);

        Assert.Equal([1, 2], index.Search("Which papers use GPT-2?", 2).Select(h => h.Ordinal).Order());
        Assert.Equal(3, index.Search("Is Llama3 evaluated?", 1)[0].Ordinal);
        Assert.Equal(12, index.Search("Which papers use GPT models?", 20).Count); // the parts stay terms: every GPT paper, GPT2 too
        Assert.Equal("gpt2", index.VersionedNameTerm("GPT", "2"));
        Assert.Equal(index.Analyze("GPT-2 small").Order(), index.Analyze("GPT2 small").Order());
        Assert.Equal(index.Analyze("GPT 2 small").Order(), index.Analyze("GPT2 small").Order());
        Assert.Contains("gpt2", index.Analyze("GPT-2 small"));
        Assert.Null(index.VersionedNameTerm("In", "2023")); // a year
        Assert.Null(index.VersionedNameTerm("top", "5")); // no capital, no name
        Assert.True(index.HasVersionsOf("Llama"));
        Assert.False(index.HasVersionsOf("Neo"));
    }

    [Theory]
    [InlineData("thanks!", true)]
    [InlineData("Hello, how are you today?", true)]
    [InlineData("How are you?", true)]
    [InlineData("Who are you?", true)]
    [InlineData("What can you do?", true)]
    [InlineData("ok", true)]
    [InlineData("great, thanks", true)] // "great" is a word the papers use ("great interest")
    [InlineData("yes", true)]
    [InlineData("no", true)] // a stop word, read as written
    [InlineData("Is good data important?", false)]
    [InlineData("no, what about the draft model?", false)]
    [InlineData("Can you explain it?", false)] // points back: about the conversation's topic
    [InlineData("Can you tell me about them?", false)]
    [InlineData("Can you explain speculative decoding?", false)] // a topic word
    [InlineData("What about its limitations?", false)]
    [InlineData("And then?", false)]
    public void Chat_is_greetings_thanks_or_words_to_the_assistant_with_no_topic(string text, bool chat)
    {
        using var index = new Bm25Index([new Bm25Document("Speculative decoding", "A draft model proposes tokens the target model verifies; it spurred great interest in good data.")], new Bm25Options());

        Assert.Equal(chat, index.IsChat(text));
    }

    [Theory]
    [InlineData("Which papers use GPT-2?", "Which  use GPT-2?")]
    [InlineData("Is there an Article about speculative decoding?", "Is there an  about speculative decoding?")]
    [InlineData("How does the paperclip test work?", "How does the paperclip test work?")] // a word, not a part of one
    [InlineData("Papers?", "Papers?")] // nothing else left: the question as asked
    public void Without_document_words_the_question_loses_paper_and_article_and_nothing_else(string question, string rest)
    {
        Assert.Equal(rest, Bm25Index.WithoutDocumentWords(question));
    }
}
