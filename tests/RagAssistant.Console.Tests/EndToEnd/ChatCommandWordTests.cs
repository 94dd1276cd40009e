namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>The real chat, its input piped: a command word typed alone without its slash is the command, never a question.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ChatCommandWordTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Help_or_a_question_mark_alone_shows_the_help_and_exit_alone_leaves()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        await File.WriteAllTextAsync(Path.Combine(corpus, "lora-notes.md"), "# LoRA\n\nLow-rank adaptation freezes the pretrained weights and trains small adapters.\n", TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunAsync(
            "help\nHELP\n?\n/?\nhelp me understand how low-rank adaptation freezes pretrained weights\nexit\nhow does low-rank adaptation train small adapters\n",
            workingDirectory.Path, "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(4, result.Output.Split("the passages offered for the last answer").Length - 1);
        Assert.DoesNotContain("Unknown command", result.Output, StringComparison.Ordinal);

        // One question was answered, with its source (each answer ends with a footer of its timings); "exit" left
        // before the question after it.
        Assert.Contains("[1] LoRA (lora-notes.md)", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, result.Output.Split("| retrieval ").Length - 1);
    }
}
