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
}
