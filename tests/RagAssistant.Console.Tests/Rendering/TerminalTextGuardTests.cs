using RagAssistant.Console.Chat;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;
using Spectre.Console;

namespace RagAssistant.Console.Tests.Rendering;

/// <summary>Text from documents and models reaches the terminal without control characters, whichever way it is printed.</summary>
public sealed class TerminalTextGuardTests
{
    private const string Hostile = "\u001b]0;pwned\u0007\u001b[2J\u001b[1A\u001b[2K\u009b2J";

    private static readonly AssistantRuntimeInfo Runtime = new(
        "/models/chat.gguf", "llama 292K F32", "/models/embed.gguf", "cpu", 2048, 4, "/corpus", RetrievalOnly: false, []);

    [Fact]
    public async Task A_streamed_answer_sources_and_passages_lose_escape_sequences_but_keep_their_lines()
    {
        IReadOnlyList<AnswerSource> sources =
        [
            new(1, "paper-a", $"Speculative {Hostile}Decoding", "Feb 22, 2024", $"evil{Hostile}.md", 0.91, $"We speed up {Hostile}decoding."),
        ];

        // Sequences split across tokens, as a model streams them; a line break inside the answer.
        var pipeline = new FakeAnswerPipeline(sources) { Pieces = ["Draft models \u001b", "]0;pw", "ned\u0007speed up\n", "decoding \u001b[", "2J[1]."] };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(output, error, TextReader.Null), new QueueLineReader("question", "/sources", "/exit"));

        await session.RunAsync(TestContext.Current.CancellationToken);

        var text = output.ToString();
        AssertNoControlCharacters(text);
        AssertNoControlCharacters(error.ToString());
        Assert.Contains("Draft models speed up\ndecoding [1].", text, StringComparison.Ordinal);
        Assert.Contains("Speculative Decoding", text, StringComparison.Ordinal);
        Assert.Contains("evil.md", text, StringComparison.Ordinal);
        Assert.Contains("We speed up decoding.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_and_markup_are_guarded_too()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var terminal = Terminal.Plain(output, error, TextReader.Null);

        terminal.WriteError($"cannot read evil{Hostile}.md");
        terminal.Ui.MarkupLineInterpolated($"[yellow]warning: {"evil" + Hostile + ".md"}[/]");
        terminal.Controls.Write("\u001b[K");

        Assert.Equal("error: cannot read evil.md\n", error.ToString().ReplaceLineEndings("\n"));
        Assert.StartsWith("warning: evil.md", output.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\u001b[K", output.ToString(), StringComparison.Ordinal); // the console's own sequences pass
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\u0085")]
    [InlineData("\u2028")]
    public void An_error_is_one_line_whatever_file_name_it_names(string lineBreak)
    {
        using var error = new StringWriter();
        var terminal = Terminal.Plain(TextWriter.Null, error, TextReader.Null);

        terminal.WriteError($"cannot read evil{lineBreak}error: forged.md");

        Assert.Equal("error: cannot read evil error: forged.md\n", error.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("The corpus folder /etc/passwd is a file.", "error: invalid configuration: the corpus folder /etc/passwd is a file.")]
    [InlineData("Retrieval:TopK must be between 1 and 100, got 0.", "error: invalid configuration: Retrieval:TopK must be between 1 and 100, got 0.")]
    public void A_message_after_a_kind_reads_on_in_lower_case_names_kept(string message, string expected)
    {
        using var error = new StringWriter();
        var terminal = Terminal.Plain(TextWriter.Null, error, TextReader.Null);

        terminal.WriteError("invalid configuration", message);

        Assert.Equal(expected + "\n", error.ToString().ReplaceLineEndings("\n"));
    }

    private static void AssertNoControlCharacters(string text) =>
        Assert.DoesNotContain(text, c => c is < ' ' and not '\n' and not '\r' and not '\t' || c is >= '\u007f' and <= '\u009f');
}
