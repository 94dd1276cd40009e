using RagAssistant.Console.Chat;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Tests.Rendering;

/// <summary>Answers and sources wrap at word boundaries at the terminal's width, never mid-word.</summary>
public sealed class AnswerWrappingTests
{
    private const string Extracted = ExtractedLabel + "\n- Speculative decoding speeds up inference by letting a small draft model propose tokens that the target model verifies in parallel, so information flows faster. [1]\n- 推测解码通过并行验证草稿模型提出的多个词元来加速大型语言模型的推理过程，同时保持输出分布不变。 [2]";

    private const string ExtractedLabel = "Extracted from the papers (retrieval-only mode: no chat model, these are quotes, not a generated answer):";

    private static readonly AssistantRuntimeInfo Runtime = new(null, null, null, "cpu", 2048, 1, "/corpus", RetrievalOnly: true, []);

    [Theory]
    [InlineData(40)]
    [InlineData(57)]
    [InlineData(80)]
    public void Streamed_text_breaks_only_between_words_and_never_past_the_width(int width)
    {
        using var output = new StringWriter();
        var terminal = NarrowTerminal(output, width);
        var wrapper = new AnswerTextWrapper(output, terminal.Ui);

        // Token-sized pieces, as a model streams them: words are split across pieces.
        foreach (var piece in Chunk(Extracted, 3))
        {
            wrapper.Write(piece);
        }

        wrapper.Flush();
        var lines = output.ToString().Split('\n');
        Assert.All(lines, line => Assert.True(CellWidth(line) <= width, $"{CellWidth(line)} > {width}: '{line}'"));
        Assert.Equal(string.Concat(Words(Extracted)), string.Concat(Words(output.ToString()))); // nothing lost or added
        Assert.Equal(Words(Extracted).Where(w => w.All(char.IsAscii)), Words(output.ToString()).Where(w => w.All(char.IsAscii))); // no word split
        Assert.True(lines.Length > Extracted.Split('\n').Length);
        Assert.All(lines.Where(l => !l.StartsWith("- ", StringComparison.Ordinal) && l != lines[0] && !ExtractedLabel.Contains(l.Trim(), StringComparison.Ordinal)), l => Assert.StartsWith("  ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_chat_wraps_an_extracted_answer_and_its_sources_list_at_the_terminal_width()
    {
        using var output = new StringWriter();
        var pipeline = new FakeAnswerPipeline { Pieces = [Extracted], Mode = AnswerMode.RetrievalOnly };
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, NarrowTerminal(output, 40), new QueueLineReader("How does speculative decoding work?", "/sources", "/exit"));

        Assert.Equal(0, await session.RunAsync(TestContext.Current.CancellationToken));

        var text = output.ToString();
        Assert.All(text.Split('\n'), line => Assert.True(CellWidth(line.TrimEnd()) <= 40, $"'{line}'"));
        Assert.Contains("information", Words(text));
        Assert.Contains("Speculative", Words(text));
        Assert.Contains("\n      Speculative Decoding at Scale", "\n" + text.Replace("  [1] ", "      ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrapped_source_title_continues_under_its_start_and_the_titles_of_a_list_share_one_column()
    {
        // A trial's Sources list at a narrow terminal: the lines padded with spaces to the width, [10]'s title a
        // column right of [1]'s, and /sources' passage text left of the title it belongs to.
        using var output = new StringWriter();
        var pipeline = new FakeAnswerPipeline(
        [
            new(1, "paper-a", "Speculative Decoding at Scale: Draft Models, Verification and the Limits of Parallel Token Acceptance", "Feb 22, 2024", "000_a.txt", 0.91, "We speed up decoding with a draft model."),
            new(10, "paper-b", "Sparse Attention Revisited for Very Long Sequences in Transformers", "Mar 1, 2024", "001_b.txt", 0.55, "Attention can be sparse."),
        ])
        {
            Pieces = ["Draft models speed up decoding [1] and [10]."],
        };
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, NarrowTerminal(output, 50), new QueueLineReader("How does speculative decoding work?", "/sources", "/exit"));

        Assert.Equal(0, await session.RunAsync(TestContext.Current.CancellationToken));

        var text = output.ToString();
        Assert.Contains(
            """
            Sources
               [1] Speculative Decoding at Scale: Draft
                   Models, Verification and the Limits of
                   Parallel Token Acceptance (Feb 22, 2024,
                   000_a.txt)
              [10] Sparse Attention Revisited for Very Long
                   Sequences in Transformers (Mar 1, 2024,
                   001_b.txt)

            """,
            text,
            StringComparison.Ordinal);
        Assert.Contains(
            """
               [1] Speculative Decoding at Scale: Draft
                   Models, Verification and the Limits of
                   Parallel Token Acceptance (Feb 22, 2024,
                   000_a.txt, score 0.910)
                   We speed up decoding with a draft model.
              [10] Sparse Attention Revisited for Very Long
                   Sequences in Transformers (Mar 1, 2024,
                   001_b.txt, score 0.550)
                   Attention can be sparse.

            """,
            text,
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_banners_wrapped_values_hang_under_their_own_start()
    {
        // A trial at 60 columns: the rest of a long value started at column 0, under the labels.
        using var output = new StringWriter();
        var runtime = new AssistantRuntimeInfo(null, null, null, "none", 0, 0, "/home/you/Documents/research/RagAssistant/data/papers", RetrievalOnly: true, [], "arctic-embed-xs + all-MiniLM-L6-v2 (bundled, ONNX Runtime)");

        RuntimeView.WriteModelInfo(NarrowTerminal(output, 60), runtime, paperCount: 312);

        Assert.Equal(
            """
              model:     none (retrieval-only: answers are extracted,
                         not generated)
              backend:   none (no chat model loaded)
              embedding: arctic-embed-xs + all-MiniLM-L6-v2 (bundled,
                         ONNX Runtime)
              corpus:    /home/you/Documents/research/RagAssistant/data/
                         papers (312 papers)

            """,
            output.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(56)]
    [InlineData(60)]
    [InlineData(72)]
    [InlineData(100)]
    public async Task The_answer_footer_breaks_only_between_its_parts(int width)
    {
        var wide = await ChatOutputAsync(200);
        var footer = wide.Split('\n').Single(l => l.StartsWith("generated | ", StringComparison.Ordinal)).TrimEnd();
        var parts = footer.Split(" | ");
        Assert.Contains(parts, p => p.Contains("from the KV cache", StringComparison.Ordinal)); // a footer of several long parts

        var lines = (await ChatOutputAsync(width)).Split('\n').Select(l => l.TrimEnd()).ToList();
        var first = lines.FindIndex(l => l.StartsWith("generated", StringComparison.Ordinal));
        var last = lines.FindIndex(first, l => l.Contains("total ", StringComparison.Ordinal));
        var footerLines = lines[first..(last + 1)];

        // Each line whole parts (the widest, 52 cells with its " |", fits), each but the last ending " |"; every part
        // once, in order; none past the width.
        Assert.All(footerLines, l => Assert.True(l.Length <= width, $"'{l}'"));
        Assert.All(footerLines[..^1], l => Assert.EndsWith(" |", l, StringComparison.Ordinal));
        Assert.Equal(parts, footerLines.SelectMany(l => l.TrimEnd(' ', '|').Split(" | ")));
        Assert.Equal(width < footer.Length, footerLines.Count > 1);
    }

    [Fact]
    public async Task A_pipe_gets_the_answer_text_unwrapped()
    {
        var cli = new CliHarness();
        cli.Pipeline.Pieces = [Extracted];

        await cli.RunAsync(string.Empty, "ask", "How does speculative decoding work?");

        Assert.Contains(Extracted.Split('\n')[1], cli.Output, StringComparison.Ordinal);
    }

    // A generated answer's chat output at the width: its footer has the retrieval, first-token, token and total parts.
    private static async Task<string> ChatOutputAsync(int width)
    {
        using var output = new StringWriter();
        var pipeline = new FakeAnswerPipeline { CachedPromptTokens = 40 };
        var generated = Runtime with { RetrievalOnly = false };
        var session = new ChatSession(TestAssistant.For(pipeline), generated, NarrowTerminal(output, width), new QueueLineReader("How does speculative decoding work?", "/exit"));
        Assert.Equal(0, await session.RunAsync(TestContext.Current.CancellationToken));
        return output.ToString().ReplaceLineEndings("\n");
    }

    private static Terminal NarrowTerminal(StringWriter output, int width)
    {
        var terminal = Terminal.Plain(output, TextWriter.Null, TextReader.Null) with { WrapsAnswerText = true };
        terminal.Ui.Profile.Width = width;
        return terminal;
    }

    private static IEnumerable<string> Chunk(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static List<string> Words(string text) => [.. text.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)];

    // CJK ideographs and full-width punctuation take two cells.
    private static int CellWidth(string line) => line.Sum(c => c is >= '\u3000' and <= '\u9FFF' or >= '\uFF00' and <= '\uFF60' ? 2 : 1);
}
