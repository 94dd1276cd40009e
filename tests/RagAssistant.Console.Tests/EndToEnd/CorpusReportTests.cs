using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>What <c>index</c> tells a user about their own documents: every merge, every decoding fallback.</summary>
[Trait("Category", "EndToEnd")]
public sealed class CorpusReportTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Index_keeps_same_titled_notes_and_reports_each_merge_and_each_windows_1252_file()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus"));
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "notes_lora.md"), "# Notes\n\nLow-rank adaptation freezes the pretrained weights.\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "notes_distillation.md"), "# Notes\n\nKnowledge distillation trains a small student.\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note - Copy.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(corpus.FullName, "latin1.txt"), System.Text.Encoding.Latin1.GetBytes("# Naïve Bayes for résumé screening\n\nNaïve résumés.\n"), TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "index", "--corpus", corpus.FullName, "--retrieval-only");

        Assert.True(result.ExitCode == 0, result.Error);
        var output = string.Join(' ', result.Output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

        // The summary is the last line, whole, after every stage's progress line (redirected: "Embedding ..." lines).
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^Indexed 4 papers in \d+ passages \(\d+ embedded, \d+ from cache\); (\d+) of \1 source sentences have their vectors; \d+\.\d s in all\.$", lines[^1]);
        Assert.Single(lines, line => line.StartsWith("Indexed ", StringComparison.Ordinal));
        Assert.Contains("The second dense retriever has every passage's vector: hybrid search ranks with both embedders.", output, StringComparison.Ordinal);
        Assert.Contains("merged 2 identical copies of \"moe_note\" into one source: moe_note.txt, moe_note - Copy.txt", output, StringComparison.Ordinal);
        Assert.Contains("latin1.txt: is not valid UTF-8 and has no byte order mark; read as Windows-1252.", output, StringComparison.Ordinal);

        // What the build found (merges, files read with a fallback) is said before the embedding it causes.
        var firstProgress = Array.FindIndex(lines, line => line.StartsWith("Embedding ", StringComparison.Ordinal));
        Assert.True(firstProgress < 0 || Array.FindIndex(lines, line => line.StartsWith("merged ", StringComparison.Ordinal)) < firstProgress, result.Output);
    }

    [Fact]
    public async Task Index_reports_a_listing_dump_copied_whole_in_one_line_not_one_per_paper()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus"));
        var dump = Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "data", "papers"), "*.txt").Order(StringComparer.Ordinal).First();
        File.Copy(dump, Path.Combine(corpus.FullName, "listing.txt"));
        File.Copy(dump, Path.Combine(corpus.FullName, "listing (copy).txt"));

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "index", "--corpus", corpus.FullName, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        var merged = Assert.Single(result.Output.Split('\n'), line => line.Contains("merged", StringComparison.Ordinal));
        var papers = System.Text.RegularExpressions.Regex.Match(result.Output, @"Indexed (\d+) papers").Groups[1].Value;
        Assert.Equal($"merged {papers} papers of listing.txt with their identical copies in listing (copy).txt, into one source each", merged.Trim());
    }

    [Fact]
    public async Task Ask_keeps_stdout_for_the_answer_and_writes_corpus_warnings_and_notices_to_stderr()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus"));
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(corpus.FullName, "latin1.txt"), System.Text.Encoding.Latin1.GetBytes("# Naïve Bayes for résumé screening\n\nNaïve résumés.\n"), TestContext.Current.CancellationToken);

        // "ask q > answer.txt" must leave the answer alone in the file.
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "How does mixture-of-experts routing work?", "--corpus", corpus.FullName, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("moe_note", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", result.Output, StringComparison.Ordinal);
        Assert.Contains("warning: latin1.txt: is not valid UTF-8", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_says_an_unwritable_cache_folder_before_its_answer_on_stderr_once()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus"));
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        var notAFolder = Path.Combine(workingDirectory.Path, "afile");
        await File.WriteAllTextAsync(notAFolder, "a file, not a folder", TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "How does mixture-of-experts routing work?", "--corpus", corpus.FullName, "--retrieval-only", $"--Corpus:CacheFolder={notAFolder}");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(1, result.Error.Split($"warning: {notAFolder}: embedding cache folder is a file, not a folder").Length - 1);
        Assert.DoesNotContain("embedding cache folder", result.Output, StringComparison.Ordinal);
        Assert.Contains("moe_note", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chat_reports_merged_copies_once_per_change_while_index_lists_them_every_time()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus"));
        var cache = Path.Combine(workingDirectory.Path, "cache");
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note - Copy.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        string[] chat = ["--corpus", corpus.FullName, "--retrieval-only", $"--Corpus:CacheFolder={cache}"];

        var first = await ConsoleProcess.RunAsync("/exit\n", workingDirectory.Path, chat);
        var second = await ConsoleProcess.RunAsync("/exit\n", workingDirectory.Path, chat);
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "lora.md"), "# LoRA\n\nLow-rank adapters.\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "lora copy.md"), "# LoRA\n\nLow-rank adapters.\n", TestContext.Current.CancellationToken);
        var changed = await ConsoleProcess.RunAsync("/exit\n", workingDirectory.Path, chat);
        var index = await ConsoleProcess.RunAsync(null, workingDirectory.Path, ["index", .. chat]);

        Assert.Contains("1 document had identical copies", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("identical copies", second.Output, StringComparison.Ordinal);
        Assert.Contains("2 documents had identical copies", changed.Output, StringComparison.Ordinal);
        Assert.Contains("merged 2 identical copies of \"moe_note\"", index.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chat_after_index_does_not_repeat_the_merged_copies_index_listed_but_says_copies_that_come_back()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus"));
        var cache = Path.Combine(workingDirectory.Path, "cache");
        var copy = Path.Combine(corpus.FullName, "moe_note - Copy.txt");
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(copy, "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        string[] chat = ["--corpus", corpus.FullName, "--retrieval-only", "--EmbeddingModel:Provider=None", $"--Corpus:CacheFolder={cache}"];

        var index = await ConsoleProcess.RunAsync(null, workingDirectory.Path, ["index", .. chat]);
        var warm = await ConsoleProcess.RunAsync("/exit\n", workingDirectory.Path, chat);
        File.Delete(copy);
        var withoutCopies = await ConsoleProcess.RunAsync("/exit\n", workingDirectory.Path, chat);
        await File.WriteAllTextAsync(copy, "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        var copiesBack = await ConsoleProcess.RunAsync("/exit\n", workingDirectory.Path, chat);

        Assert.Contains("merged 2 identical copies of \"moe_note\"", index.Output, StringComparison.Ordinal);
        Assert.True(warm.ExitCode == 0, warm.Error);
        Assert.DoesNotContain("identical copies", warm.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("identical copies", withoutCopies.Output, StringComparison.Ordinal);
        Assert.Contains("1 document had identical copies", copiesBack.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_one_line_text_file_of_thousands_of_passages_is_indexed_with_a_warning_naming_it_and_its_count()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus"));
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "moe_note.txt"), "Mixture-of-experts routing sends each token to two experts.\n", TestContext.Current.CancellationToken);
        // About 1 MB on one line: past the default Corpus:LargeDocumentPassages (1,000).
        await File.WriteAllTextAsync(Path.Combine(corpus.FullName, "dump.txt"), string.Join(' ', Enumerable.Range(0, 150_000).Select(i => $"w{i}")), TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunAsync("/exit\n", workingDirectory.Path, "--corpus", corpus.FullName, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        var output = string.Join(' ', (result.Output + result.Error).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"warning: dump\.txt: is one document of \d,\d{3} passages, more than Corpus:LargeDocumentPassages \(1,000\); indexed whole", output);
        Assert.Contains("(2 papers)", output, StringComparison.Ordinal);
    }
}
