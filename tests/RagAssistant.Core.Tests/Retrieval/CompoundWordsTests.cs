using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// <see cref="CompoundWords"/>: a compound name written apart that the corpus writes joined, or joined where the corpus
/// writes it apart, is searched as the corpus spells it; a spelling the corpus uses is never changed.
/// </summary>
public sealed class CompoundWordsTests : IDisposable
{
    private readonly Bm25Index _index = new(
        [
            new Bm25Document("Models on HuggingFace", "We release every checkpoint on HuggingFace for the BabyLM challenge."),
            new Bm25Document("Flash Attention", "An IO-aware exact attention algorithm; pre-training speeds up, and pretraining costs fall."),
            new Bm25Document("Scoring facts", "A fact checker and a score for each claim; errors come across many claims."),
            new Bm25Document("Fusion", "RAG Fusion: rank fusion of retrievers for RAG."),
        ],
        new Bm25Options());

    public void Dispose() => _index.Dispose();

    [Theory]
    [InlineData("Which models are on Hugging Face?", "Which models are on HuggingFace?")] // apart: joined
    [InlineData("What did the Baby-LM challenge find?", "What did the BabyLM challenge find?")] // hyphenated: joined
    [InlineData("How fast is FlashAttention?", "How fast is Flash Attention?")] // joined: split where the case changes
    [InlineData("Is RAGFusion better?", "Is RAG Fusion better?")] // a run of capitals, then a word
    public void A_spelling_the_corpus_lacks_is_respelled_as_the_corpus_spells_it(string question, string expected)
    {
        var respelled = CompoundWords.Respell(_index, question);

        Assert.Equal(expected, respelled.Text);
        Assert.Single(respelled.Changes);
    }

    [Theory]
    [InlineData("How much does pre training cost?")] // the corpus writes "pre-training" too: the user's spelling is its own
    [InlineData("Does a cross attention layer help?")] // a single letter or stop word is never joined ("across")
    [InlineData("How precise is FActScore?")] // "Act Score" is not a phrase of the corpus
    [InlineData("Which models are on Hugging\nFace?")] // apart by a line break: two lines, not one name
    [InlineData("What is Flash Attention?")] // already the corpus's spelling
    [InlineData("")]
    public void A_spelling_the_corpus_uses_or_no_compound_is_left_alone(string question)
    {
        var respelled = CompoundWords.Respell(_index, question);

        Assert.Equal(question, respelled.Text);
        Assert.Empty(respelled.Changes);
    }

    [Fact]
    public void The_query_finds_the_paper_that_spells_the_name_otherwise()
    {
        var hits = _index.Search(_index.AnalyzeQuery("Hugging Face checkpoints"), [], 0, 4);

        Assert.Equal(0, hits[0].Ordinal);
        Assert.Equal(_index.Analyze("HuggingFace"), _index.AnalyzeQuery("Hugging Face"));
        Assert.Equal(_index.Analyze("flash attention"), _index.AnalyzeQuery("FlashAttention"));
    }

    [Fact]
    public void A_name_written_apart_or_joined_is_not_reported_unknown_and_is_a_known_term()
    {
        Assert.Empty(UnknownNames.Find(_index, "Which models are on Hugging Face?"));
        Assert.Empty(UnknownNames.Find(_index, "How fast is FlashAttention?"));
        Assert.Equal(["FActScore"], UnknownNames.Find(_index, "How precise is FActScore?"));
        Assert.Equal(_index.Analyze("HuggingFace"), UnknownNames.KnownTerms(_index, "Which models are on Hugging Face?"));
    }

    [Fact]
    public void A_phrase_is_held_side_by_side_in_order_in_a_title_or_a_passage()
    {
        Assert.True(_index.ContainsPhrase(_index.Analyze("flash attention")));
        Assert.True(_index.ContainsPhrase(_index.Analyze("pre-training")));
        Assert.False(_index.ContainsPhrase(_index.Analyze("attention flash")));
        Assert.False(_index.ContainsPhrase(_index.Analyze("fact score")));
        Assert.False(_index.ContainsPhrase(["flash"]));
    }

    [Fact]
    public void A_versioned_name_typed_in_lower_case_is_searched_as_the_corpus_writes_it()
    {
        using var index = new Bm25Index(
            [
                new Bm25Document("Scaling GPT-4", "We evaluate GPT-4 on 2 benchmarks with 2 billion tokens; GPT models scale."),
                new Bm25Document("Small stories", "GPT-2 small fails to write stories."),
                new Bm25Document("Long context", "Llama-3 reads 32,768 tokens; the top 5 models did not."),
                .. Enumerable.Range(3, 8).Select(i => new Bm25Document($"GPT-{i} study {i}", $"GPT-{i} and GPT-4 solve 2 of {i} tasks in 2 passes.")),
            ],
            new Bm25Options());

        Assert.Equal("which papers use Gpt-2?", CompoundWords.Respell(index, "which papers use gpt-2?").Text);
        Assert.Equal("is Llama 3 evaluated?", CompoundWords.Respell(index, "is llama 3 evaluated?").Text);
        Assert.Equal(1, index.Search(index.AnalyzeQuery("which papers use gpt-2?"), [], 0, 1)[0].Ordinal);
        Assert.Equal(index.AnalyzeQuery("GPT-2 stories"), index.AnalyzeQuery("gpt 2 stories"));

        // A version no paper has is left as typed (UnknownNames names it), and so are words that are no name.
        Assert.Equal("how does gpt-12 do?", CompoundWords.Respell(index, "how does gpt-12 do?").Text);
        Assert.Equal("what did the top 5 models do?", CompoundWords.Respell(index, "what did the top 5 models do?").Text);
    }
}
