namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>The real chat's prompt: a command word typed alone without its slash is the command, never a question; two Ctrl+C leave however fast.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ChatPromptTests : IDisposable
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

    // No case of 0 ms: two Ctrl+C in one write that both land before the key read begins are two SIGINTs raised in
    // the same instant, and the kernel does not queue a second SIGINT while the first is pending, so the program gets
    // one (it warns, "Ctrl+C again to exit", as for one press). No person's two presses come that close; 10 ms does.
    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    [InlineData(60)]
    public async Task Two_ctrl_c_pressed_the_moment_the_prompt_appears_end_the_chat(int gapMilliseconds)
    {
        // On a pseudo-terminal, pressed as soon as the line before the prompt shows: a Ctrl+C before the prompt's key
        // read begins reaches the program as SIGINT, one after it as a key. 10 to 25 ms apart, the first came one way
        // and the second the other, and the chat stayed open: each way leaves now.
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        await File.WriteAllTextAsync(Path.Combine(corpus, "lora-notes.md"), "# LoRA\n\nLow-rank adaptation freezes the pretrained weights.\n", TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunInTerminalAsync(
            new Dictionary<string, string>(), workingDirectory.Path, [("Ctrl+C cancels an answer.", "\u0003\u0003")], TimeSpan.FromMilliseconds(gapMilliseconds),
            "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode is 0 or 130, $"exit code {result.ExitCode}: {result.Output}");
        Assert.DoesNotContain("Unhandled exception", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chat_leaves_the_keypad_in_normal_mode_on_exit()
    {
        // The .NET runtime sets application keypad mode (ESC [ ? 1 h ESC =) on a terminal and never resets it; after
        // the chat the shell's arrow keys would send ESC O A instead of ESC [ A. The last keypad switch must be back.
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        await File.WriteAllTextAsync(Path.Combine(corpus, "lora-notes.md"), "# LoRA\n\nLow-rank adaptation freezes the pretrained weights.\n", TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunInTerminalAsync(
            new Dictionary<string, string>(), workingDirectory.Path, [("Type a question", "/exit")],
            "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Output);
        var set = result.Raw.LastIndexOf("\u001b=", StringComparison.Ordinal);
        var reset = result.Raw.LastIndexOf("\u001b>", StringComparison.Ordinal);
        Assert.True(reset > set, $"keypad set at {set}, reset at {reset}");
        Assert.True(result.Raw.LastIndexOf("\u001b[?1l", StringComparison.Ordinal) > result.Raw.LastIndexOf("\u001b[?1h", StringComparison.Ordinal));
    }
}
