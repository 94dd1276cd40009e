using RagAssistant.Core.Ingestion;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace RagAssistant.Core.Tests.Ingestion;

public sealed class CorpusLoaderTests
{
    private const string Abstract = "We study how language models learn to count tokens in long documents and show that simple training changes help a lot across many benchmarks and settings, which matters for retrieval.";

    private static CorpusLoader CreateLoader(int maxTokens = 256, int overlap = 32) =>
        new(new PassageSplitter(ApproximateTokenizer.Instance, maxTokens, overlap));

    [Fact]
    public async Task Shipped_corpus_parses_to_312_unique_papers_from_332_entries_without_warnings()
    {
        var corpus = await CreateLoader().LoadAsync(TestPaths.ShippedCorpus, TestContext.Current.CancellationToken);

        Assert.Empty(corpus.Warnings);
        Assert.Equal(332, corpus.Entries);
        Assert.Equal(312, corpus.Papers.Count);
        Assert.Equal(312, corpus.Passages.Count); // abstracts stay whole
        Assert.Equal(corpus.Papers.Count, corpus.Papers.Select(p => p.Id).Distinct().Count());
        Assert.All(corpus.Papers, p => Assert.True(ListingFormatParser.WordCount(p.Abstract) >= 90, p.Title));
        Assert.All(corpus.Papers, p => Assert.True(ListingFormatParser.WordCount(p.Title) <= 25, p.Title));

        // Metadata of file 002, as counted in the corpus notes (unique papers keep the first occurrence's fields).
        var fromMetadataFile = corpus.Papers.Where(p => p.SourceFile.StartsWith("002", StringComparison.Ordinal)).ToList();
        Assert.Contains(fromMetadataFile, p => p is { Title: "2D Matryoshka Sentence Embeddings", AuthorCount: 5, Date: "Feb 22, 2024" });
        Assert.Equal(3, corpus.Papers.Count(p => p.Organization is not null));

        var quark = Assert.Single(corpus.Papers, p => p.Title.StartsWith("Quark", StringComparison.Ordinal));
        Assert.Equal("Quark: Controllable Text Generation with Reinforced Unlearning", quark.Title);

        // A paper listed in three files is kept once, from the first file.
        var tool = Assert.Single(corpus.Papers, p => p.Title == "Boosting Tool Use of Large Language Models via Iterative Reinforced Fine-Tuning");
        Assert.Equal("000_9d55c3b7fe4dbf6a.txt", tool.SourceFile);
        Assert.Equal(177, tool.SourceLine);
    }

    [Fact]
    public async Task Identical_entries_are_merged_across_files_but_a_differently_written_title_is_other_content()
    {
        using var folder = new TempFolder();
        folder.Write("a.jsonl", $$"""{"title": "HFT: Half Fine-Tuning", "abstract": "{{Abstract}}"}""");
        folder.Write("b.jsonl", $$"""{"title": "HFT:  Half Fine-Tuning", "abstract": "{{Abstract}}"}""");
        folder.Write("c.jsonl", $$"""{"title": "hft -- half fine tuning", "abstract": "{{Abstract}}"}""");

        var corpus = await CreateLoader().LoadAsync(folder.Path, TestContext.Current.CancellationToken);

        Assert.Equal(3, corpus.Entries);
        Assert.Equal(2, corpus.Papers.Count);
        Assert.Equal(["a.jsonl", "b.jsonl"], corpus.Papers[0].SourceFiles);
        Assert.Equal("a.jsonl", corpus.Papers[0].SourceFile);
        Assert.NotEqual(corpus.Papers[0].Id, corpus.Papers[1].Id);
    }

    [Fact]
    public async Task Reads_user_markdown_text_jsonl_and_pdf_documents()
    {
        using var folder = new TempFolder();
        folder.Write("notes.md", $"# My Reading Notes\n\n{Abstract}\n");
        folder.Write("sub/plain.txt", $"Plain Text Title\n{Abstract}\n");
        folder.Write("list.jsonl", $$"""{"title": "A JSONL Paper", "abstract": "{{Abstract}}", "url": "https://example.org/p"}""");
        File.WriteAllBytes(Path.Combine(folder.Path, "paper.pdf"), CreatePdf("A PDF Paper", Abstract));

        var corpus = await CreateLoader().LoadAsync(folder.Path, TestContext.Current.CancellationToken);

        Assert.Empty(corpus.Warnings);
        Assert.Equal(["A JSONL Paper", "My Reading Notes", "A PDF Paper", "Plain Text Title"], corpus.Papers.Select(p => p.Title));
        Assert.Equal("https://example.org/p", corpus.Papers[0].Url);
        Assert.Equal("sub/plain.txt", corpus.Papers[3].SourceFile);
        Assert.Contains("count tokens", corpus.Papers[2].Abstract, StringComparison.Ordinal);
        Assert.All(corpus.Papers, p => Assert.Equal(Abstract, p.Abstract));
    }

    [Fact]
    public async Task Long_documents_are_split_into_overlapping_passages_and_abstracts_stay_whole()
    {
        using var folder = new TempFolder();
        var sentences = Enumerable.Range(1, 40).Select(i => $"Sentence number {i} talks about retrieval and ranking of papers.");
        folder.Write("long.md", "# Long Document\n\n" + string.Join(' ', sentences));
        folder.Write("abstracts.jsonl", $$"""{"title": "Long Abstract", "abstract": "{{string.Join(' ', Enumerable.Repeat(Abstract, 5))}}"}""");

        // Each sentence counts 21-22 tokens (the conservative estimate): the overlap holds one, a passage two.
        var corpus = await CreateLoader(maxTokens: 64, overlap: 24).LoadAsync(folder.Path, TestContext.Current.CancellationToken);

        var abstractPassages = corpus.Passages.Where(p => p.PaperId == PaperIdentity.CreateId("Long Abstract")).ToList();
        Assert.Single(abstractPassages);

        var passages = corpus.Passages.Where(p => p.PaperId == PaperIdentity.CreateId("Long Document")).ToList();
        Assert.True(passages.Count > 5);
        Assert.Equal(Enumerable.Range(0, passages.Count), passages.Select(p => p.Index));
        Assert.All(passages, p => Assert.True(ApproximateTokenizer.Instance.CountTokens(p.Text) <= 64, p.Text));
        for (var i = 1; i < passages.Count; i++)
        {
            // Overlap: each passage starts with the last sentence of the one before.
            var previousLast = SentenceSplitter.Split(passages[i - 1].Text)[^1];
            Assert.StartsWith(previousLast, passages[i].Text, StringComparison.Ordinal);
        }

        Assert.Contains("Sentence number 40 ", passages[^1].Text + " ", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_folder_is_reported_not_thrown()
    {
        using var folder = new TempFolder();

        var corpus = await CreateLoader().LoadAsync(folder.Path, TestContext.Current.CancellationToken);

        Assert.Empty(corpus.Papers);
        var warning = Assert.Single(corpus.Warnings);
        Assert.Contains("no .txt, .md, .jsonl or .pdf files", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_folder_is_reported_not_thrown()
    {
        var corpus = await CreateLoader().LoadAsync(Path.Combine(Path.GetTempPath(), "no-such-corpus-" + Guid.NewGuid()), TestContext.Current.CancellationToken);

        Assert.Empty(corpus.Papers);
        Assert.Contains("does not exist", Assert.Single(corpus.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_files_and_lines_are_reported_with_file_and_line_and_the_rest_is_indexed()
    {
        using var folder = new TempFolder();
        folder.Write("good.jsonl", string.Join('\n',
            $$"""{"title": "First Good Paper", "abstract": "{{Abstract}}"}""",
            """{"title": "Broken", "abstract": """,
            """{"title": "No Abstract"}""",
            $$"""{"title": "Second Good Paper", "abstract": "{{Abstract}}"}"""));
        File.WriteAllBytes(Path.Combine(folder.Path, "scan.pdf"), CreatePdf(title: null, text: null));
        File.WriteAllText(Path.Combine(folder.Path, "garbage.pdf"), "this is not a pdf");
        File.CreateSymbolicLink(Path.Combine(folder.Path, "unreadable.md"), Path.Combine(folder.Path, "missing-target.md"));
        folder.Write("empty.md", "\n\n");

        var corpus = await CreateLoader().LoadAsync(folder.Path, TestContext.Current.CancellationToken);

        Assert.Equal(["First Good Paper", "Second Good Paper"], corpus.Papers.Select(p => p.Title));
        var warnings = corpus.Warnings.Select(w => w.ToString()).ToList();
        Assert.Contains(warnings, w => w.StartsWith("good.jsonl:2: malformed JSON", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("good.jsonl:3: line lacks", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("scan.pdf: PDF has no text layer", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("garbage.pdf: not a readable PDF", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("unreadable.md: is a broken link: its target", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("empty.md: document is empty", StringComparison.Ordinal));
        Assert.Equal(6, warnings.Count);
    }

    private static byte[] CreatePdf(string? title, string? text)
    {
        var builder = new PdfDocumentBuilder();
        if (title is not null)
        {
            builder.DocumentInformation.Title = title;
        }

        var page = builder.AddPage(PageSize.A4);
        if (text is not null)
        {
            var font = builder.AddStandard14Font(Standard14Font.Helvetica);
            var words = text.Split(' ');
            for (var line = 0; line * 10 < words.Length; line++)
            {
                page.AddText(string.Join(' ', words.Skip(line * 10).Take(10)), 10, new PdfPoint(25, 750 - (line * 14)), font);
            }
        }

        return builder.Build();
    }
}
