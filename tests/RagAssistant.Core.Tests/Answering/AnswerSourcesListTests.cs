using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

public sealed class AnswerSourcesListTests
{
    [Fact]
    public void ListsCitedPapersNumberedAsInTheAnswerAndFlagsInvalidMarkers()
    {
        var result = new AnswerResult(
            "q",
            "q",
            "B [3] then A [1] and [?8].",
            [new AnswerCitation(3, "c", "Paper C"), new AnswerCitation(1, "a", "Paper A")],
            [
                new AnswerSource(1, "a", "Paper A", "Feb 22, 2024", "000_a.txt", 0.9, "t"),
                new AnswerSource(2, "b", "Paper B", null, "001_b.txt", 0.8, "t"),
                new AnswerSource(3, "c", "Paper C", null, "002_c.txt", 0.7, "t"),
            ],
            [8],
            false,
            AnswerMode.Generated,
            new AnswerUsage(1, 1),
            new AnswerTimings(0, 0, 0, 0));

        var text = AnswerSourcesList.Format(result);

        Assert.Equal(
            "Sources:\n[1] Paper A (Feb 22, 2024) — 000_a.txt\n[3] Paper C — 002_c.txt\n" +
            "Not a source: [8] (the answer cites numbers that name no offered source; shown as [?n]).",
            text);
        Assert.Equal(["a", "c"], AnswerSourcesList.CitedSources(result).Select(s => s.PaperId));
    }
}
