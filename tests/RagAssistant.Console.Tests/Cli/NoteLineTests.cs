using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Tests.Cli;

/// <summary>A <c>note:</c> line reads on from its prefix in the style of an <c>error:</c> line: one wording rule for both.</summary>
public sealed class NoteLineTests
{
    [Theory]
    [InlineData("The chat model file is not downloaded yet.", "the chat model file is not downloaded yet.")]
    [InlineData("A model server answers.", "a model server answers.")]
    [InlineData("Retrieval:TopK is 3.", "Retrieval:TopK is 3.")]
    [InlineData("LLM answers are off.", "LLM answers are off.")]
    [InlineData("Retrieval-only mode: answers are quotes.", "retrieval-only mode: answers are quotes.")]
    [InlineData("Ask:MaxTopK-bound.", "Ask:MaxTopK-bound.")]
    public void A_start_up_notice_on_stderr_reads_on_from_note_as_an_error_does_from_error(string notice, string readOn)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var terminal = Terminal.Plain(output, error, TextReader.Null);

        RuntimeView.WriteNotices(terminal, new AssistantRuntimeInfo(null, null, null, "none", 0, 0, "/corpus", RetrievalOnly: true, [notice]), toStandardError: true);
        terminal.WriteError(notice);

        Assert.Equal([$"note: {readOn}", $"error: {readOn}"], error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(string.Empty, output.ToString());
    }
}
