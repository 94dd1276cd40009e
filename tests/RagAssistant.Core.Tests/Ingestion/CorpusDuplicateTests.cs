using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.Ingestion;

/// <summary>Merged only when the content is the same, never because titles match; every merge reported.</summary>
public sealed class CorpusDuplicateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CorpusLoader CreateLoader() => new(new PassageSplitter(ApproximateTokenizer.Instance, 256, 32));

    [Fact]
    public async Task Documents_sharing_a_title_but_not_their_text_are_both_kept_with_distinct_ids()
    {
        using var folder = new TempFolder();
        folder.Write("notes_lora.md", "# Notes\n\nLow-rank adaptation trains two small matrices per layer.\n");
        folder.Write("notes_distillation.md", "# Notes\n\nKnowledge distillation trains a small student model.\n");
        folder.Write("papers.jsonl", """
            {"title": "Notes", "abstract": "A third text under the same title, from a listing."}
            """);

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        Assert.Equal(3, corpus.Papers.Count);
        Assert.Equal(3, corpus.Papers.Select(p => p.Id).Distinct().Count());
        Assert.Equal(corpus.Papers.Select(p => p.Id), corpus.Passages.Select(p => p.PaperId).Distinct());
        Assert.Empty(corpus.Merges);
    }

    [Fact]
    public async Task Identical_copies_become_one_paper_naming_all_its_files_and_the_merge_is_reported()
    {
        using var folder = new TempFolder();
        folder.Write("moe_note.txt", "Mixture-of-experts routing sends each token to two experts.\n");
        folder.Write("moe_note - Copy.txt", "Mixture-of-experts   routing sends each token\tto two experts.  \r\n");
        folder.Write("spec.md", "# Speculative Decoding\n\nA draft model proposes tokens.\n");
        folder.Write("spec (copy).md", "# Speculative Decoding\r\n\r\nA draft model  proposes tokens.\r\n");

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        Assert.Equal(2, corpus.Papers.Count);
        var moe = Assert.Single(corpus.Papers, p => p.Abstract.StartsWith("Mixture", StringComparison.Ordinal));
        Assert.Equal("moe_note", moe.Title); // the shortest file name, though the copy sorts first
        Assert.Equal("moe_note.txt", moe.SourceFile);
        Assert.Equal(["moe_note.txt", "moe_note - Copy.txt"], moe.SourceFiles);
        Assert.Equal(
            [
                "merged 2 identical copies of \"moe_note\" into one source: moe_note.txt, moe_note - Copy.txt",
                "merged 2 identical copies of \"Speculative Decoding\" into one source: spec.md, spec (copy).md",
            ],
            corpus.Merges.Select(m => m.ToString()));
        Assert.Equal(4, corpus.Entries);
    }

    [Fact]
    public async Task A_listing_dump_copied_whole_is_summarized_as_one_line_naming_both_files_and_the_paper_count()
    {
        using var folder = new TempFolder();
        var dump = string.Concat(Enumerable.Range(1, 3).Select(i => $$"""{"title": "Paper {{i}}", "abstract": "Finding number {{i}} about decoding."}""" + "\n"));
        folder.Write("dump.jsonl", dump);
        folder.Write("dump (copy).jsonl", dump);
        folder.Write("moe_note.txt", "Mixture-of-experts routing sends each token to two experts.\n");
        folder.Write("moe_note - Copy.txt", "Mixture-of-experts routing sends each token to two experts.\n");

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        Assert.Equal(4, corpus.Merges.Count); // each paper still one merge, as the debug log lists them
        Assert.Equal(
            [
                "merged 3 papers of dump.jsonl with their identical copies in dump (copy).jsonl, into one source each",
                "merged 2 identical copies of \"moe_note\" into one source: moe_note.txt, moe_note - Copy.txt",
            ],
            CorpusMerge.Summarize(corpus.Merges));
    }

    [Fact]
    public async Task The_duplicates_folder_of_the_bug_report_keeps_both_notes_and_merges_the_copies()
    {
        var source = TestPaths.RequireCase("duplicates");
        using var folder = new TempFolder();
        folder.CopyFrom(source);

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        Assert.Equal(6, corpus.Entries);
        Assert.Equal(4, corpus.Papers.Count); // two "# Notes" documents, one spec, one moe note
        Assert.Contains(corpus.Papers, p => p.Abstract.Contains("Low-rank adaptation", StringComparison.Ordinal));
        Assert.Contains(corpus.Papers, p => p.Abstract.Contains("Knowledge distillation", StringComparison.Ordinal));
        Assert.Equal(2, corpus.Merges.Count);
        Assert.All(corpus.Merges, m => Assert.Equal(2, m.Files.Count));
    }

    [Fact]
    public async Task A_one_note_corpus_is_logged_without_a_plural_count()
    {
        using var folder = new TempFolder();
        using var cache = new TempFolder();
        folder.Write("moe_note.txt", "Mixture-of-experts routing sends each token to two experts.\n");
        using var logs = new FakeLoggerProvider();
        using var factory = new LoggerFactory([logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        using var index = new CorpusIndex(
            Options.Create(new CorpusOptions { Folder = folder.Path, CacheFolder = cache.Path }),
            Options.Create(new RetrievalOptions()),
            new InMemoryVectorStore(),
            loggerFactory: factory);

        await index.EnsureBuiltAsync(Ct);

        var messages = logs.Collector.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Contains(messages, m => m.Contains("papers 1", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => Regex.IsMatch(m, @"\b1 (papers|passages|entries)\b"));
    }
}
