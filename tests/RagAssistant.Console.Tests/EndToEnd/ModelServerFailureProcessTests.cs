using System.Text.Json;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary><c>ask</c> against a model server that fails: one actionable line on stderr and exit code 1, no logged stack traces.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ModelServerFailureProcessTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Theory]
    [InlineData(ServerFault.Status, "answered HTTP 500: internal boom details")]
    [InlineData(ServerFault.EmptyStream, "returned no answer text")]
    [InlineData(ServerFault.CutOff, "closed the connection before the answer ended; the answer is incomplete.")]
    public async Task Ask_says_what_the_server_did_in_one_line_and_exits_1(ServerFault fault, string expected)
    {
        using var server = new FaultyChatServer(fault);
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");

        var result = await ConsoleProcess.RunAsync(
            null, workingDirectory.Path,
            "ask", "How does the LR-annealing scaling law predict the loss at any training step?", "--corpus", corpus, "--EmbeddingModel:Provider=None",
            "--ChatModel:Provider=OpenAICompatible", $"--ChatModel:Endpoint={server.Endpoint}", "--ChatModel:ModelId=scripted");

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}: {result.Error}");
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), line => line.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal($"error: the model server at {server.Endpoint} (ChatModel:Endpoint) {expected}", error.Split(": check", 2)[0]);
        if (fault == ServerFault.CutOff)
        {
            // The text the server sent stays on stdout, its line ended before the error.
            Assert.Contains("word0 word1 word2\n", result.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("fail:", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_json_keeps_the_text_of_an_answer_the_server_cut_off_as_partial_answer()
    {
        using var server = new FaultyChatServer(ServerFault.CutOff);
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");

        var result = await ConsoleProcess.RunAsync(
            null, workingDirectory.Path,
            "ask", "How does the LR-annealing scaling law predict the loss at any training step?", "--json", "--corpus", corpus, "--EmbeddingModel:Provider=None",
            "--ChatModel:Provider=OpenAICompatible", $"--ChatModel:Endpoint={server.Endpoint}", "--ChatModel:ModelId=scripted");

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}: {result.Error}");
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal("word0 word1 word2", json.RootElement.GetProperty("partial_answer").GetString());
        Assert.EndsWith("closed the connection before the answer ended; the answer is incomplete.", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), line => line.StartsWith("error: the model server at", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("index")]
    [InlineData("ask")]
    public async Task A_failing_embedding_server_is_one_warning_line_naming_it_without_a_stack_trace(string command)
    {
        using var server = new FaultyChatServer(ServerFault.Status);
        using var cache = new TempFolder();
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");
        string[] arguments = command == "ask" ? ["ask", "How does speculative decoding speed up inference?", "--retrieval-only"] : ["index"];

        var result = await ConsoleProcess.RunAsync(
            null, workingDirectory.Path,
            [.. arguments, "--corpus", corpus, $"--Corpus:CacheFolder={cache.Path}",
                "--EmbeddingModel:Provider=OpenAICompatible", $"--EmbeddingModel:Endpoint={server.Endpoint}", "--EmbeddingModel:ModelId=scripted"]);

        // The index goes on with BM25; the server's fault is said on stderr in its one line: by 'index' once, by 'ask'
        // also for the quotes it then chooses by shared words. 'ask' answers (exit 0); 'index' exits 1, so that a
        // script does not take the keyword-only index for a finished one.
        var expectedExit = command == "index" ? 1 : 0;
        Assert.True(result.ExitCode == expectedExit, $"exit code {result.ExitCode}: {result.Error}");
        var line = $"the model server at {server.Endpoint} (EmbeddingModel:Endpoint) answered HTTP 500: internal boom details";
        var logged = result.Error.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Contains(line, StringComparison.Ordinal)).ToList();

        // 'ask' also says that its answer came from BM25 alone: a note on stderr, never on stdout with the answer. It
        // says how the search ran when it ran: that embedding failed, or, where the search came first (a loaded
        // machine: the failing server's answer can come after the search), that the index is still being built.
        var noted = logged.Where(l => l.StartsWith("note: ", StringComparison.Ordinal)).ToList();
        var failedFirst = true;
        if (command == "ask")
        {
            var bm25Only = Assert.Single(result.Error.Split('\n', StringSplitOptions.TrimEntries), l => l.StartsWith("note: ", StringComparison.Ordinal) && l.Contains("results come from BM25 (keyword) search only", StringComparison.Ordinal));
            Assert.True(
                bm25Only == $"note: embedding the passages failed ({line}): results come from BM25 (keyword) search only." || bm25Only.StartsWith("note: the semantic index is still being built, ", StringComparison.Ordinal),
                bm25Only);
            failedFirst = bm25Only.StartsWith("note: embedding the passages failed", StringComparison.Ordinal);
            Assert.DoesNotContain(line, result.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(noted);
        }

        logged = [.. logged.Except(noted)];
        if (failedFirst)
        {
            // Where the answer came first, the process may end before the build's failure is logged.
            Assert.Contains($"warning: Embedding failed ({line}); retrieval falls back to BM25 only", logged);
        }

        Assert.All(logged, l => Assert.StartsWith("warning: ", l, StringComparison.Ordinal));
        if (command == "index")
        {
            // Logged once, and the report says it without "No embedding model" (one is configured; it failed).
            Assert.Single(logged);
            Assert.Contains($"warning: embedding failed ({line}); retrieval is BM25 only until the next build", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("No embedding model", result.Output, StringComparison.Ordinal);
            Assert.Contains("The index is kept and BM25 (keyword) search works", result.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("fail:", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("ClientResultException", result.Error + result.Output, StringComparison.Ordinal);
    }
}
