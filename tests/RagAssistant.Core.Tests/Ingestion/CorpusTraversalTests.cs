using System.Diagnostics;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Ingestion;

/// <summary>
/// The corpus walk always ends and reads each real thing once: link loops cost nothing, links out of the folder are
/// skipped and reported unless asked for, pipes and devices are never opened, and a huge file is skipped with a warning.
/// </summary>
public sealed class CorpusTraversalTests : IDisposable
{
    private const string Text = "Speculative decoding drafts several tokens with a small model and verifies them in one pass of the large model.";

    private readonly TempFolder corpus = new();
    private readonly TempFolder outside = new();

    public void Dispose()
    {
        corpus.Dispose();
        outside.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CorpusLoader Loader(CorpusOptions? options = null) =>
        new(new PassageSplitter(ApproximateTokenizer.Instance, 256, 32), options: options);

    [Fact]
    public async Task Link_loops_are_walked_once_and_each_file_is_read_once()
    {
        corpus.Write("notes.md", $"# Drafting\n\n{Text}\n");
        corpus.Write("sub/deeper/more.md", "# Attention\n\nSparse attention skips far tokens.\n");
        Directory.CreateSymbolicLink(corpus.File("l1"), ".");
        Directory.CreateSymbolicLink(corpus.File("l2"), ".");
        Directory.CreateSymbolicLink(corpus.File("sub/deeper/up"), "../..");
        Directory.CreateSymbolicLink(corpus.File("alias-of-sub"), corpus.File("sub"));
        File.CreateSymbolicLink(corpus.File("a-link.md"), "notes.md");
        File.CreateSymbolicLink(corpus.File("sub/b-link.md"), corpus.File("notes.md"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var loaded = await Loader().LoadAsync(corpus.Path, timeout.Token);

        Assert.Equal(2, loaded.Entries);
        Assert.Equal(["notes.md", "sub/deeper/more.md"], loaded.Papers.Select(p => p.SourceFile).Order(StringComparer.Ordinal));
        Assert.Empty(loaded.Merges); // one file read once, not copies merged
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public async Task A_link_out_of_the_folder_is_skipped_and_reported_once_unless_following_is_on()
    {
        corpus.Write("notes.md", $"# Drafting\n\n{Text}\n");
        outside.Write("secret.md", "# Private notes\n\nNothing here belongs in the corpus.\n");
        outside.Write("deep/private.txt", "# Private too\n\nAlso outside the corpus folder.\n");
        Directory.CreateSymbolicLink(corpus.File("zotero"), outside.Path);
        File.CreateSymbolicLink(corpus.File("passwd.md"), outside.File("secret.md"));
        Directory.CreateSymbolicLink(corpus.File("l1"), ".");

        var skipped = await Loader().LoadAsync(corpus.Path, Ct);
        var followed = await Loader(new CorpusOptions { FollowExternalLinks = true }).LoadAsync(corpus.Path, Ct);

        Assert.Equal(["notes.md"], skipped.Papers.Select(p => p.SourceFile));
        var warnings = skipped.Warnings.Select(w => w.ToString()).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Single(warnings, w => w.StartsWith($"zotero: links to {CorpusFolderWalker.RealPath(outside.Path)}, outside the corpus folder; skipped. Set Corpus:FollowExternalLinks=true", StringComparison.Ordinal));
        Assert.Single(warnings, w => w.StartsWith("passwd.md: links to ", StringComparison.Ordinal));

        Assert.Empty(followed.Warnings);
        Assert.Equal(["notes.md", "zotero/deep/private.txt", "zotero/secret.md"], followed.Papers.Select(p => p.SourceFile).Order(StringComparer.Ordinal));
        Assert.Empty(followed.Merges); // secret.md reached through two links is one file
    }

    [Fact]
    public async Task Broken_links_and_link_chains_that_loop_are_warnings()
    {
        corpus.Write("notes.md", $"# Drafting\n\n{Text}\n");
        File.CreateSymbolicLink(corpus.File("gone.md"), "missing.md");
        File.CreateSymbolicLink(corpus.File("ping.md"), "pong.md");
        File.CreateSymbolicLink(corpus.File("pong.md"), "ping.md");

        var loaded = await Loader().LoadAsync(corpus.Path, Ct);

        Assert.Equal(["notes.md"], loaded.Papers.Select(p => p.SourceFile));
        Assert.Contains(loaded.Warnings, w => w.File == "gone.md" && w.Message.StartsWith("is a broken link", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.File == "ping.md" && w.Message.StartsWith("is a link that cannot be resolved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_named_pipe_is_never_opened_and_a_huge_file_is_skipped_with_the_setting_named()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Named pipes in a folder are a Unix thing.");
        }

        corpus.Write("notes.md", $"# Drafting\n\n{Text}\n");
        corpus.Write("huge.txt", new string('x', 5000));
        using (var mkfifo = Process.Start("mkfifo", corpus.File("pipe.md")))
        {
            await mkfifo.WaitForExitAsync(Ct);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var loaded = await Loader(new CorpusOptions { MaxFileBytes = 4096 }).LoadAsync(corpus.Path, timeout.Token);

        Assert.Equal(["notes.md"], loaded.Papers.Select(p => p.SourceFile));
        Assert.Contains(loaded.Warnings, w => w.ToString() == "pipe.md: is empty, or not a regular file (a pipe, socket or device); skipped");
        Assert.Contains(loaded.Warnings, w => w.ToString() == "huge.txt: is 5,000 bytes, more than Corpus:MaxFileBytes (4,096); skipped. Split it, or raise the limit");
    }

    [Theory]
    [InlineData(".txt")]
    [InlineData(".md")]
    public async Task A_document_of_more_passages_than_the_limit_is_kept_and_named_with_its_passage_count(string extension)
    {
        // One line with no break of any kind: the shape of a data dump or a minified file saved as text.
        var line = string.Join(' ', Enumerable.Range(0, 6_000).Select(i => $"token{i}"));
        corpus.Write("notes.md", $"# Notes\n\n{Text}\n");
        corpus.Write($"dump{extension}", line);

        var loaded = await Loader(new CorpusOptions { LargeDocumentPassages = 10 }).LoadAsync(corpus.Path, Ct);

        var dump = Assert.Single(loaded.Papers, p => p.SourceFile == $"dump{extension}");
        var passages = loaded.Passages.Count(p => p.PaperId == dump.Id);
        Assert.True(passages > 10, $"{passages} passages");
        var warning = Assert.Single(loaded.Warnings);
        Assert.StartsWith($"dump{extension}: is one document of {passages:N0} passages, more than Corpus:LargeDocumentPassages (10); indexed whole", warning.ToString(), StringComparison.Ordinal);
        Assert.Contains("Split it into smaller documents", warning.Message, StringComparison.Ordinal);
        Assert.Contains(loaded.Papers, p => p.SourceFile == "notes.md");
    }

    [Fact]
    public async Task A_document_of_one_phrase_repeated_is_a_few_passages_and_does_not_crowd_out_the_others()
    {
        // The trial's keyword-stuffed file: megabytes of one phrase made tens of thousands of identical passages, which
        // filled every search's candidates and made "speculative" a word of most passages.
        corpus.Write("notes.md", $"# Notes\n\n{Text}\n");
        corpus.Write("stuffed.txt", string.Concat(Enumerable.Repeat("speculative decoding speculative decoding ", 50_000)));

        var loaded = await Loader().LoadAsync(corpus.Path, Ct);

        var stuffed = Assert.Single(loaded.Papers, p => p.SourceFile == "stuffed.txt");
        var passages = loaded.Passages.Where(p => p.PaperId == stuffed.Id).ToList();
        Assert.InRange(passages.Count, 1, 3);
        Assert.Equal(passages.Count, passages.Select(p => p.Text).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Enumerable.Range(0, passages.Count), passages.Select(p => p.Index));
        using var bm25 = new Bm25Index([.. loaded.Passages.Select(p => new Bm25Document(loaded.Papers.Single(paper => paper.Id == p.PaperId).Title, p.Text))], new Bm25Options());
        var notes = loaded.Passages.ToList().FindIndex(p => loaded.Papers.Single(paper => paper.Id == p.PaperId).SourceFile == "notes.md");
        Assert.Contains(bm25.Search("Which papers study speculative decoding?", passages.Count + 1), h => h.Ordinal == notes); // before: thousands of passages ranked above it
    }

    [Fact]
    public async Task A_listing_of_many_small_papers_is_no_large_document()
    {
        corpus.Write("papers.jsonl", string.Join('\n', Enumerable.Range(0, 40).Select(i => $"{{\"title\": \"Paper {i}\", \"abstract\": \"{Text} Number {i}.\"}}")));

        var loaded = await Loader(new CorpusOptions { LargeDocumentPassages = 10 }).LoadAsync(corpus.Path, Ct);

        Assert.Equal(40, loaded.Papers.Count);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public async Task A_document_is_an_identical_copy_of_an_indexed_paper_by_the_rule_the_build_merges_by()
    {
        corpus.Write("notes.md", $"# Notes\n\n{Text}\n");
        corpus.Write("moe.txt", "Mixture-of-experts routing sends each token to two experts.");
        var papers = (await Loader().LoadAsync(corpus.Path, Ct)).Papers;

        var copy = CorpusLoader.FindIdenticalCopy(System.Text.Encoding.UTF8.GetBytes($"# Notes\r\n\r\n  {Text}"), "other name.md", papers);
        var note = CorpusLoader.FindIdenticalCopy("Mixture-of-experts routing sends each token to two experts.\n"u8.ToArray(), "routing.txt", papers);

        Assert.Equal("notes.md", Assert.Single(copy!.Copies).Existing.SourceFile);
        Assert.Equal("moe.txt", Assert.Single(note!.Copies).Existing.SourceFile);
        Assert.Null(CorpusLoader.FindIdenticalCopy(System.Text.Encoding.UTF8.GetBytes($"# Other notes\n\n{Text}"), "notes2.md", papers));
    }

    [Fact]
    public async Task A_listing_dump_the_corpus_already_has_is_found_as_all_its_copied_papers_and_the_file_they_are_in()
    {
        var dump = string.Concat(Enumerable.Range(1, 3).Select(i => $$"""{"title": "Paper {{i}}", "abstract": "Finding number {{i}} about decoding."}""" + "\n"));
        corpus.Write("dump.jsonl", dump);
        corpus.Write("moe.txt", "Mixture-of-experts routing sends each token to two experts.");
        var papers = (await Loader().LoadAsync(corpus.Path, Ct)).Papers;

        var whole = CorpusLoader.FindIdenticalCopy(System.Text.Encoding.UTF8.GetBytes(dump), "dump again.jsonl", papers);
        var part = CorpusLoader.FindIdenticalCopy(System.Text.Encoding.UTF8.GetBytes(dump.Split('\n')[1] + "\n{\"title\": \"New\", \"abstract\": \"Something new.\"}\n"), "mixed.jsonl", papers);

        Assert.Equal(3, whole!.Copies.Count);
        Assert.Equal(3, whole.DocumentPapers);
        Assert.Equal(["dump.jsonl"], whole.ExistingFiles);
        Assert.Equal(["Paper 1", "Paper 2", "Paper 3"], whole.Copies.Select(c => c.Existing.Title));
        Assert.Equal("Paper 2", Assert.Single(part!.Copies).Document.Title);
        Assert.Equal(2, part.DocumentPapers);
    }
}
