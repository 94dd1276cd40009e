
namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>
/// Each warning and notice a real console run shows, shown once: not also as a log line, and not again by a later
/// step that says the same thing (stdout and stderr counted together).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class NoticeOnceTests : IDisposable
{
    private const string Latin1Warning = "latin1.txt: is not valid UTF-8 and has no byte order mark";

    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Theory]
    [InlineData("index")]
    [InlineData("ask")]
    [InlineData("ask --json")]
    [InlineData("chat")]
    public async Task A_corpus_warning_is_shown_once(string command)
    {
        var corpus = Latin1Corpus();
        string[] args = command switch
        {
            "chat" => ["--corpus", corpus, "--retrieval-only"],
            "index" => ["index", "--corpus", corpus, "--retrieval-only"],
            _ => [.. command.Split(' '), "naive bayes", "--corpus", corpus, "--retrieval-only"],
        };

        var result = await ConsoleProcess.RunAsync(command == "chat" ? "/exit\n" : null, workingDirectory.Path, args);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(1, Count(result.Output + "\n" + result.Error, Latin1Warning));
    }

    [Theory]
    [InlineData("ask")]
    [InlineData("chat")]
    public async Task The_missing_chat_template_notice_is_shown_once_and_not_as_a_log_line(string command)
    {
        var model = TestPaths.Stories; // has no chat template
        string[] args = command == "chat" ? ["--model", model] : ["ask", "speculative decoding", "--model", model];

        var result = await ConsoleProcess.RunAsync(command == "chat" ? "/exit\n" : null, workingDirectory.Path, args);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(1, Count(result.Output + "\n" + result.Error, "no chat template"));
        Assert.DoesNotContain("warning:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Declining_the_chat_model_download_says_how_to_fetch_it_once()
    {
        var environment = NoChatModel(out var models);

        var result = await ConsoleProcess.RunInTerminalAsync(environment, workingDirectory.Path, [("now?", "n"), ("Type a question", "/exit")], "--corpus", Latin1Corpus());

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var shown = Flatten(result.Output);
        // The size and what Enter does (the capital of [Y/n]) are on the question itself.
        Assert.Matches(@"Download qwen2\.5-0\.5b-instruct \(about \d+ MB, Apache-2\.0\) now\? \[Y/n\]", shown);
        Assert.Contains("Continuing in retrieval-only mode.", shown, StringComparison.Ordinal);
        Assert.Equal(1, Count(shown, ConsoleProcess.Command("models download chat")));
        Assert.Empty(Directory.GetFiles(models, "*.gguf*"));
    }

    [Fact]
    public async Task Ctrl_d_at_the_download_question_is_taken_as_no_and_said()
    {
        var environment = NoChatModel(out var models);

        // Ctrl+D (end of input) where y or n is expected; the chat then opens and /exit ends it.
        var result = await ConsoleProcess.RunInTerminalAsync(environment, workingDirectory.Path, [("now?", "\u0004"), ("Type a question", "/exit")], "--corpus", Latin1Corpus());

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var shown = Flatten(result.Output);
        Assert.Contains("End of input (Ctrl+D): taken as no, nothing is downloaded.", shown, StringComparison.Ordinal);
        Assert.Contains("Continuing in retrieval-only mode.", shown, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(models, "*.gguf*"));
    }

    [Fact]
    public async Task A_declined_download_is_not_asked_again_at_the_next_start()
    {
        var environment = NoChatModel(out _);
        var corpus = Latin1Corpus();
        var first = await ConsoleProcess.RunInTerminalAsync(environment, workingDirectory.Path, [("now?", "n"), ("Type a question", "/exit")], "--corpus", corpus);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        Assert.Contains("Not asking again", Flatten(first.Output), StringComparison.Ordinal);

        var second = await ConsoleProcess.RunInTerminalAsync(environment, workingDirectory.Path, [("Type a question", "/exit")], "--corpus", corpus);

        Assert.True(second.ExitCode == 0, second.Output + second.Error);
        var shown = Flatten(second.Output);
        Assert.DoesNotContain("now?", shown, StringComparison.Ordinal);
        Assert.Equal(1, Count(shown, ConsoleProcess.Command("models download chat")));
        Assert.Contains("retrieval-only", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_embedding_cache_is_reported_once_and_embedded_again()
    {
        var corpus = Latin1Corpus();
        var cache = Path.Combine(workingDirectory.Path, "cache");
        // One embedder, one cache file: the second dense retriever's cache is loaded and checked by the same code.
        string[] args = ["index", "--corpus", corpus, $"--Corpus:CacheFolder={cache}", "--Retrieval:SecondDenseWeight=0"];
        var first = await ConsoleProcess.RunAsync(null, workingDirectory.Path, args);
        Assert.True(first.ExitCode == 0, first.Error);
        var file = Assert.Single(Directory.GetFiles(cache, "embeddings-*.bin"));
        await File.WriteAllBytesAsync(file, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, args);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(1, Count(result.Output + "\n" + result.Error, "discarded"));
        Assert.Contains("(2 embedded, 0 from cache)", Flatten(result.Output), StringComparison.Ordinal);

        // Said before the embedding it causes (the report line comes after it), as is the file read as Windows-1252.
        var output = Flatten(result.Output);
        Assert.True(output.IndexOf("discarded", StringComparison.Ordinal) < output.IndexOf("Indexed ", StringComparison.Ordinal), output);
        Assert.Equal(1, Count(result.Output, "latin1.txt: is not valid UTF-8"));
    }

    [Fact]
    public async Task A_conversation_store_that_cannot_be_opened_is_said_once_and_the_chat_still_answers()
    {
        var corpus = Latin1Corpus();
        var environment = new Dictionary<string, string> { ["ConnectionStrings__Conversations"] = "Data Source=/proc/nope/c.db" };

        var result = await ConsoleProcess.RunWithEnvironmentAsync(environment, "What is low-rank adaptation?\nWhat freezes the pretrained weights?\n/exit\n", workingDirectory.Path, "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(1, Count(result.Output + "\n" + result.Error, "The conversation store /proc/nope/c.db cannot be created"));
        Assert.Contains("This chat is not saved.", Flatten(result.Output), StringComparison.Ordinal);
        Assert.True(Count(result.Output, "LoRA") >= 2, result.Output); // both questions answered from the note
    }

    // The default chat model configured but not downloaded, in a models folder of this test's own.
    private Dictionary<string, string> NoChatModel(out string models)
    {
        models = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "models")).FullName;
        return new Dictionary<string, string>
        {
            ["ChatModel__ModelPath"] = Path.Combine(models, "qwen2.5-0.5b-instruct-q4_k_m.gguf"),
            ["Models__Folder"] = models,
            ["Models__ManifestPath"] = Path.Combine(TestPaths.RepositoryRoot, "models", "models.json"),
            ["EmbeddingModel__Provider"] = "None",
        };
    }

    private string Latin1Corpus()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        File.WriteAllText(Path.Combine(corpus, "lora.md"), "# LoRA\n\nLow-rank adaptation freezes the pretrained weights.\n");
        File.WriteAllBytes(Path.Combine(corpus, "latin1.txt"), System.Text.Encoding.Latin1.GetBytes("# Naïve Bayes for résumé screening\n\nNaïve résumés.\n"));
        return corpus;
    }

    // Occurrences in the text with its line wrapping undone (the console wraps at its width).
    // Whitespace left out of both: the terminal wraps a long path (the hint's dll) anywhere, even inside it.
    private static int Count(string text, string phrase) => string.Concat(text.Where(c => !char.IsWhiteSpace(c))).Split(string.Concat(phrase.Where(c => !char.IsWhiteSpace(c)))).Length - 1;

    private static string Flatten(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
