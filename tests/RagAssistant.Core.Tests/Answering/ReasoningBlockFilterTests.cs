using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary><see cref="ReasoningBlockFilter"/>: a reasoning model's leading think block is dropped, however it is split.</summary>
public sealed class ReasoningBlockFilterTests
{
    [Theory]
    [InlineData(new[] { "<think>Source [3] is irrelevant.</think>\n\nLoRA freezes weights [1]." }, "LoRA freezes weights [1].")]
    [InlineData(new[] { "<thi", "nk>Source [3] is irrel", "evant.</th", "ink>", "\n\n", "LoRA freezes", " weights [1]." }, "LoRA freezes weights [1].")]
    [InlineData(new[] { "\n<THINK>\n\n</THINK>\n\nLoRA [1]." }, "LoRA [1].")] // an empty block, any casing
    [InlineData(new[] { "LoRA freezes weights [1]. The tag <think> is text here." }, "LoRA freezes weights [1]. The tag <think> is text here.")]
    [InlineData(new[] { "<", "b>Bold</b> [1]." }, "<b>Bold</b> [1].")] // not a think tag after all
    [InlineData(new[] { "<think>Ran out of tokens while thinking" }, "")] // an unclosed block is no answer
    [InlineData(new[] { "  " }, "  ")]
    public void A_leading_think_block_is_dropped_and_the_answer_kept(string[] pieces, string expected)
    {
        var filter = new ReasoningBlockFilter();

        var shown = string.Concat(pieces.Select(filter.Push)) + filter.Flush();

        Assert.Equal(expected, shown);
        Assert.Equal(pieces[0].TrimStart().StartsWith('<') && expected != "<b>Bold</b> [1].", filter.DroppedReasoning);
    }
}
