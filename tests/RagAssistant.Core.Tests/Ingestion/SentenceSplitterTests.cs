using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

public sealed class SentenceSplitterTests
{
    [Theory]
    [InlineData("We follow prior work (ref. 2) and the scheme of (ref. 7). It halves memory.")]
    [InlineData("Abstracts cite tasks (e.g. QA) and baselines (cf. Table 2). It halves memory.")]
    [InlineData("Smith et al. 2020 showed it. It halves memory.")]
    public void Abbreviations_also_after_an_opening_bracket_end_no_sentence(string text)
    {
        var sentences = SentenceSplitter.Split(text);

        Assert.Equal(2, sentences.Count);
        Assert.Equal("It halves memory.", sentences[1]);
    }

    [Fact]
    public void Sentences_split_at_a_full_stop_before_a_capital_digit_or_bracket()
    {
        Assert.Equal(["One.", "Two!", "3 is a number.", "[x] too?"], SentenceSplitter.Split("One. Two! 3 is a number. [x] too?"));
    }
}
