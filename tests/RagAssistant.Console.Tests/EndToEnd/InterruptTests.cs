using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>Ctrl+C at the chat's prompt, sent as SIGINT to the real process.</summary>
[Trait("Category", "EndToEnd")]
public sealed class InterruptTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Two_ctrl_c_at_the_prompt_while_the_corpus_embeds_end_the_chat_with_the_note_that_the_index_is_unfinished()
    {
        // A fresh cache folder: the bundled embedder embeds the shipped corpus in the background, BM25 answers meanwhile.
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");
        var cache = Path.Combine(workingDirectory.Path, "cache");

        var result = await ConsoleProcess.RunInterruptedAsync(workingDirectory.Path, "until it is ready", 2, "--corpus", corpus, "--retrieval-only", $"--Corpus:CacheFolder={cache}");

        Assert.Contains("(Ctrl+C again to exit)", result.Error, StringComparison.Ordinal);
        Assert.Contains("The semantic index is not finished (", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Error.Split("The semantic index is not finished").Length - 1);
        Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
    }
}
