using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>
/// <c>index</c> on a folder with link loops and a link out of it: it ends in bounded time, reports the outside link once
/// and does not index it, unless <c>Corpus:FollowExternalLinks</c> is on. A cache that cannot be saved is said once.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class CorpusLinkTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();
    private readonly TempFolder outside = new();

    public void Dispose()
    {
        workingDirectory.Dispose();
        outside.Dispose();
    }

    [Fact]
    public async Task Index_ends_on_link_loops_and_reports_an_outside_link_once_unless_asked_to_follow_it()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        File.WriteAllText(Path.Combine(corpus, "drafting.md"), "# Speculative decoding\n\nDraft models propose tokens that the large model verifies.\n");
        outside.Write("storage/zotero-note.md", "# Zotero note\n\nA paper the user keeps in Zotero storage.\n");
        Directory.CreateSymbolicLink(Path.Combine(corpus, "l1"), ".");
        Directory.CreateSymbolicLink(Path.Combine(corpus, "l2"), ".");
        Directory.CreateSymbolicLink(Path.Combine(corpus, "zotero"), Path.Combine(outside.Path, "storage"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var skipped = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "index", "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None").WaitAsync(timeout.Token);
        var followed = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "index", "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None", "--Corpus:FollowExternalLinks=true").WaitAsync(timeout.Token);

        Assert.True(skipped.ExitCode == 0, skipped.Error);
        var output = Collapse(skipped.Output);
        Assert.Contains("Indexed 1 paper", output, StringComparison.Ordinal);
        Assert.Equal(1, Count(output, "zotero: links to "));
        Assert.Contains("outside the corpus folder; skipped. Set Corpus:FollowExternalLinks=true", output, StringComparison.Ordinal);
        Assert.DoesNotContain("merged", output, StringComparison.Ordinal);

        Assert.True(followed.ExitCode == 0, followed.Error);
        Assert.Contains("Indexed 2 papers", Collapse(followed.Output), StringComparison.Ordinal);
        Assert.DoesNotContain("warning", followed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("merged", followed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsavable_cache_is_one_warning_of_index()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        File.WriteAllText(Path.Combine(corpus, "drafting.md"), "# Speculative decoding\n\nDraft models propose tokens that the large model verifies.\n");
        var blocked = Path.Combine(workingDirectory.Path, "cache-is-a-file");
        File.WriteAllText(blocked, "not a folder");

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "index", "--corpus", corpus, "--retrieval-only", $"--Corpus:CacheFolder={blocked}", "--Retrieval:EmbeddingCacheSaveInterval=00:00:00");

        Assert.True(result.ExitCode == 0, result.Error);
        var all = Collapse(result.Output + result.Error);
        Assert.Equal(1, Count(all, "embedding cache folder is a file, not a folder"));
        Assert.Equal(1, Count(all, "Set Corpus:CacheFolder to a writable folder"));
        Assert.Equal(0, Count(all, "Embedding cache folder")); // not also as a log line
        Assert.Equal(0, Count(all, "could not be saved"));
        Assert.True(all.IndexOf("embedding cache folder", StringComparison.Ordinal) < all.IndexOf("Indexed 1 paper", StringComparison.Ordinal), all); // before the embedding, not after
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    private static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
