using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

public sealed class CitationStreamParserTests
{
    private static readonly HashSet<int> Offered = [1, 2, 3, 4];

    private static (string Shown, CitationStreamParser Parser) Run(params string[] chunks)
    {
        var parser = new CitationStreamParser(Offered);
        var shown = string.Concat(chunks.Select(parser.Push)) + parser.Flush();
        return (shown, parser);
    }

    [Fact]
    public void Marker_split_across_tokens_is_recognised()
    {
        var (shown, parser) = Run("Loss falls ", "[", "2", "]", " with scale.");

        Assert.Equal("Loss falls [2] with scale.", shown);
        Assert.Equal([2], parser.Cited);
        Assert.Empty(parser.Invalid);
    }

    [Theory]
    [InlineData("See [1, 3].", new[] { 1, 3 })]
    [InlineData("See [2][4].", new[] { 2, 4 })]
    [InlineData("See [1-3].", new[] { 1, 2, 3 })]
    [InlineData("See [Source 2; source 4].", new[] { 2, 4 })]
    [InlineData("See [3] and again [3] then [1].", new[] { 3, 1 })]
    [InlineData("See 【2】 and 【1, 4】.", new[] { 2, 1, 4 })]
    public void Marker_forms_are_recognised(string text, int[] expected)
    {
        var (shown, parser) = Run(text);

        Assert.Equal(text, shown);
        Assert.Equal(expected, parser.Cited);
        Assert.Empty(parser.Invalid);
    }

    [Fact]
    public void Marker_naming_no_offered_source_is_flagged_not_shown_as_citation()
    {
        var (shown, parser) = Run("True [", "7]. Also [1, ", "9].");

        Assert.Equal("True [?7]. Also [1, ?9].", shown);
        Assert.Equal([1], parser.Cited);
        Assert.Equal([7, 9], parser.Invalid);
        Assert.Equal(2, parser.InvalidReferences);
    }

    [Theory]
    [InlineData("an [aside] here")]
    [InlineData("the year [2024] here")]
    [InlineData("an array [] here")]
    [InlineData("unclosed [1")]
    [InlineData("nested [[1] here")]
    public void Brackets_that_are_not_markers_pass_through(string text)
    {
        var (shown, parser) = Run(text);

        Assert.Equal(text, shown);
        Assert.Empty(parser.Invalid);
        Assert.True(parser.Cited.Count <= 1);
    }

    [Fact]
    public void Every_split_of_the_stream_gives_the_same_result()
    {
        const string text = "A [1] b [2][4] c [1, 3] d [8] e [x] f [2-3] g [";
        var (expected, whole) = Run(text);

        for (var cut = 0; cut <= text.Length; cut++)
        {
            for (var cut2 = cut; cut2 <= text.Length; cut2 += 3)
            {
                var (shown, parser) = Run(text[..cut], text[cut..cut2], text[cut2..]);
                Assert.Equal(expected, shown);
                Assert.Equal(whole.Cited, parser.Cited);
                Assert.Equal(whole.Invalid, parser.Invalid);
            }
        }

        Assert.Equal([1, 2, 4, 3], whole.Cited);
        Assert.Equal([8], whole.Invalid);
    }

    [Fact]
    public void Long_bracketed_prose_is_released_without_waiting_for_the_end()
    {
        var parser = new CitationStreamParser(Offered);
        var shown = parser.Push("[" + new string('a', 100));

        Assert.StartsWith("[aaaa", shown, StringComparison.Ordinal);
    }
}
