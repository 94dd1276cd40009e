using System.Text.RegularExpressions;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>A chat or command whose output goes to a pipe: not wrapped at the 80 columns Spectre assumes when there is no terminal; Ctrl+C (SIGINT) at its prompt.</summary>
[Trait("Category", "EndToEnd")]
public sealed class PipedOutputTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Models_list_keeps_every_name_and_path_on_one_line()
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "models", "list");

        Assert.True(result.ExitCode == 0, result.Error);
        foreach (var name in new[] { "qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct", "bge-small-en-v1.5" })
        {
            var row = Assert.Single(result.Output.Split('\n'), line => line.Contains($" {name} ", StringComparison.Ordinal));
            Assert.Matches(new Regex(@"/\S+\.gguf"), row);
        }
    }

    [Fact]
    public async Task Two_ctrl_c_at_the_prompt_while_the_corpus_embeds_end_the_chat_with_the_note_that_the_index_is_unfinished()
    {
        // A fresh cache folder: the bundled embedder embeds the shipped corpus in the background, BM25 answers meanwhile.
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");
        var cache = Path.Combine(workingDirectory.Path, "cache");

        var result = await ConsoleProcess.RunInterruptedAsync(workingDirectory.Path, "until it is ready", 2, "--corpus", corpus, "--retrieval-only", $"--Corpus:CacheFolder={cache}");

        Assert.Contains("(Ctrl+C again to exit)", result.Error, StringComparison.Ordinal);
        Assert.Contains("note: the semantic index is not ", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Error.Split("note: the semantic index is not ").Length - 1);
        Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_piped_chat_while_the_corpus_embeds_prints_the_index_state_once_not_before_every_prompt()
    {
        // A fresh cache folder: the shipped corpus embeds in the background for longer than three retrieval-only answers take.
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");
        var cache = Path.Combine(workingDirectory.Path, "cache");

        var result = await ConsoleProcess.RunAsync("What is speculative decoding?\nWhat is LoRA?\nWhat is a mixture of experts?\n", workingDirectory.Path, "--corpus", corpus, "--retrieval-only", $"--Corpus:CacheFolder={cache}");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(result.Output.Split("until it is ready").Length - 1 == 1, result.Output);
    }

    [Fact]
    public async Task Ask_while_the_corpus_embeds_says_bm25_only_on_stderr_so_a_redirected_answer_holds_the_answer_alone()
    {
        // The trial: `ask "…" > answer.txt` on a fresh clone ended answer.txt with the BM25-only notice.
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");
        var cache = Path.Combine(workingDirectory.Path, "cache");

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "What is speculative decoding?", "--corpus", corpus, "--retrieval-only", $"--Corpus:CacheFolder={cache}");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("semantic index", result.Output, StringComparison.Ordinal);
        Assert.Contains("Extracted from", result.Output, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"(?m)^note: the semantic index is still being built, \d+/\d+ passages embedded: results come from BM25"), result.Error);
    }

    [Fact]
    public async Task Ctrl_c_while_ask_streams_the_answer_says_it_was_cancelled_and_exits_130()
    {
        // A model server that streams a long answer slowly: the Ctrl+C comes mid-answer.
        using var model = new SlowChatServer(tokens: 10_000, tokenDelay: TimeSpan.FromMilliseconds(50));
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");

        var result = await ConsoleProcess.RunInterruptedAsync(
            workingDirectory.Path, "word2 ", 1,
            "ask", "How does the LR-annealing scaling law predict the loss at any training step?", "--corpus", corpus, "--EmbeddingModel:Provider=None",
            "--ChatModel:Provider=OpenAICompatible", $"--ChatModel:Endpoint={model.Endpoint}", "--ChatModel:ModelId=scripted", "--ChatModel:ContextSize=4096");

        Assert.True(result.ExitCode == 130, $"exit code {result.ExitCode}: {result.Error}");
        Assert.Equal("Answer cancelled.", result.Error.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Contains("word2 ", result.Output, StringComparison.Ordinal); // the answer so far stays on stdout
        Assert.DoesNotContain("Answer cancelled.", result.Output, StringComparison.Ordinal);
        Assert.True(model.TokensSent < model.Tokens, "the answer ran to its end");
        Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
    }


    [Theory]
    [InlineData("index")]
    [InlineData("eval")]
    public async Task Ctrl_c_while_a_command_waits_for_the_vectors_ends_it_with_the_chats_note_that_the_index_is_unfinished(string command)
    {
        // A fresh cache folder: the bundled embedder embeds the shipped corpus; --verbose logs each batch ("Embedded 16/312 passages").
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");
        var cache = Path.Combine(workingDirectory.Path, "cache");
        string[] arguments = command == "index" ? ["index"] : ["eval", "--set", TestPaths.RequireDevSet(), "--retriever", "dense"];

        var result = await ConsoleProcess.RunInterruptedAsync(workingDirectory.Path, "Embedded ", 1, [.. arguments, "--corpus", corpus, "--verbose", $"--Corpus:CacheFolder={cache}"]);

        Assert.True(result.ExitCode == 130, $"exit code {result.ExitCode}: {result.Error}");
        Assert.Matches(new Regex(@"note: the semantic index is not (finished \(\d+/\d+ passages embedded; what is embedded is kept\)|built yet \(0/\d+ passages embedded\)\. It is built at the next start)"), result.Error);
        Assert.Equal(1, result.Error.Split("note: the semantic index is not ").Length - 1);
        Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
    }
}
