using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;

namespace RagAssistant.Console.Tests.Rendering;

/// <summary>A command a line names is never broken by the terminal's width: a copy of it pastes as one command.</summary>
public sealed class HintLineTests
{
    private const string Command = "dotnet run --project src/RagAssistant.Console -- models download chat";

    private const string Notice = $"No chat model is installed in models/. Fetch it with `{Command}` from the repository root (or save the GGUF file named in models/models.json at that path).";

    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    public void A_line_too_wide_for_the_terminal_has_its_command_whole_on_a_line_of_its_own(int width)
    {
        var lines = Write(Notice, width);

        Assert.Contains($"  {Command}", lines);
        Assert.All(lines.Where(line => line != $"  {Command}"), line => Assert.True(line.Length <= width, $"{line.Length} > {width}: '{line}'"));
        Assert.DoesNotContain(lines, line => line.Contains('`', StringComparison.Ordinal));
        Assert.Equal(Words(Notice.Replace("`", string.Empty, StringComparison.Ordinal)), Words(string.Join(' ', lines)));
    }

    [Fact]
    public void A_period_after_a_command_on_its_own_line_is_left_out_not_printed_alone()
    {
        var lines = Write($"No model files to verify. Fetch one with `{Command}`.", 40);

        Assert.Equal(["No model files to verify. Fetch one with", $"  {Command}"], lines);
    }

    [Fact]
    public void A_line_that_fits_is_written_as_it_is()
    {
        Assert.Equal([Notice], Write(Notice, 400));
        Assert.Equal(["Run it again: `x y`"], Write("Run it again: `x y`", 40));
    }

    [Fact]
    public void An_unpaired_backtick_is_prose_wrapped_at_words()
    {
        var lines = Write("It's a `tick in a line much longer than the terminal is wide", 20);

        Assert.All(lines, line => Assert.True(line.Length <= 20, line));
        Assert.Contains("`tick", string.Join(' ', lines), StringComparison.Ordinal);
    }

    private static List<string> Write(string text, int width)
    {
        using var output = new StringWriter();
        var terminal = Terminal.Plain(output, TextWriter.Null, TextReader.Null);
        terminal.Ui.Profile.Width = width;

        HintLine.Write(terminal.Ui, text);

        return [.. output.ToString().TrimEnd('\n').Split('\n').Select(line => line.TrimEnd())];
    }

    private static List<string> Words(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
}
