using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Hosting.Tests.Conversations;

/// <summary>The Markdown export's layout: headings that say what was typed, no run of blank lines.</summary>
public sealed class ConversationMarkdownTests
{
    private static readonly DateTimeOffset When = new(2026, 12, 6, 14, 0, 0, TimeSpan.Zero);

    private static string Export(string title, params ConversationTurnRecord[] turns) =>
        ConversationMarkdown.Write(new RagAssistant.Hosting.Conversations.Conversation("c1", title, When, When, turns));

    private static ConversationTurnRecord Turn(int number, string question, TurnStatus status, string? text, string? error = null) =>
        new(number, question, status, null, text, null, error, When, When);

    [Fact]
    public void A_turn_that_failed_before_any_text_has_its_note_after_one_blank_line()
    {
        var markdown = Export("Decoding", Turn(1, "How fast?", TurnStatus.Failed, "", "the model server did not answer"), Turn(2, "And now?", TurnStatus.Cancelled, null));

        Assert.Contains("## 1. How fast?\n\n_(The answer failed: the model server did not answer)_\n\n## 2. And now?\n\n_(The answer was cancelled here.)_\n", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_turn_with_text_keeps_it_between_the_heading_and_its_note()
    {
        var markdown = Export("Decoding", Turn(1, "How fast?", TurnStatus.Cancelled, "Drafts speed up "));

        Assert.Contains("## 1. How fast?\n\nDrafts speed up\n\n_(The answer was cancelled here.)_\n", markdown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("# heading", "\\# heading")]
    [InlineData("#", "\\#")]
    [InlineData("> quoted", "\\> quoted")]
    [InlineData("- item", "\\- item")]
    [InlineData("What about C #", "What about C \\#")]
    [InlineData("C# in 2 lines\nat most", "C# in 2 lines at most")]
    [InlineData("Plain title", "Plain title")]
    public void Titles_and_questions_are_escaped_where_Markdown_would_read_them_as_syntax(string typed, string heading)
    {
        var markdown = Export(typed, Turn(1, typed, TurnStatus.Completed, "An answer."));

        Assert.StartsWith($"# {heading}\n\n", markdown, StringComparison.Ordinal);
        Assert.Contains($"\n## 1. {heading}\n\nAn answer.\n", markdown, StringComparison.Ordinal);
    }
}
