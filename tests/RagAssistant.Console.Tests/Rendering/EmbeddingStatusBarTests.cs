using System.Text.RegularExpressions;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Console.Tests.Rendering;

public sealed partial class EmbeddingStatusBarTests
{
    private static readonly EmbeddingProgress Running = new(EmbeddingState.Running, 96, 312, 17.4, TimeSpan.FromSeconds(13), null);

    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(200)]
    public void The_bar_never_takes_the_last_column_so_the_reserved_row_does_not_wrap(int width)
    {
        var visible = Ansi().Replace(EmbeddingStatusBar.Line(Running, width: width), string.Empty);

        Assert.True(visible.Length <= width - 1, $"{visible.Length} columns on a {width}-column terminal: {visible}");
        Assert.StartsWith("Semantic index ", visible, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wide_terminal_shows_the_whole_line_with_the_hint()
    {
        var visible = Ansi().Replace(EmbeddingStatusBar.Line(Running, width: 200), string.Empty);

        Assert.Contains("96/312", visible, StringComparison.Ordinal);
        Assert.EndsWith("(BM25 until ready)", visible, StringComparison.Ordinal);
    }

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex Ansi();
}
