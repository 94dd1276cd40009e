using System.Text;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

/// <summary>One declared decoding rule: BOM, else valid UTF-8, else Windows-1252 with a warning; never U+FFFD.</summary>
public sealed class CorpusEncodingTests
{
    private const string Text = "# Naïve Bayes for résumé screening\n\nThe café’s “naïve” résumés cost 5 € — façade, Ærø, ½.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CorpusLoader CreateLoader() => new(new PassageSplitter(ApproximateTokenizer.Instance, 256, 32));

    public static TheoryData<string, byte[]> Declared => new()
    {
        { "utf-8 with BOM", [.. new UTF8Encoding(true).GetPreamble(), .. Encoding.UTF8.GetBytes(Text)] },
        { "utf-8 without BOM", Encoding.UTF8.GetBytes(Text) },
        { "utf-16 LE", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Text)] },
        { "utf-16 BE", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Text)] },
        { "utf-32 LE", [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes(Text)] },
    };

    [Theory]
    [MemberData(nameof(Declared))]
    public async Task A_bom_or_valid_utf8_is_read_exactly_and_without_warning(string name, byte[] bytes)
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "note.md"), bytes, Ct);

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        var paper = Assert.Single(corpus.Papers);
        Assert.Equal("Naïve Bayes for résumé screening", paper.Title);
        Assert.Equal(Text[(Text.IndexOf("The", StringComparison.Ordinal))..], paper.Abstract);
        Assert.True(corpus.Warnings.Count == 0, name + ": " + string.Join("; ", corpus.Warnings));
    }

    [Fact]
    public async Task Windows_1252_bytes_are_read_as_windows_1252_with_a_warning_naming_the_file_and_encoding()
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "cp1252.md"), CorpusTextDecoder.Windows1252.GetBytes(Text), Ct);

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        var paper = Assert.Single(corpus.Papers);
        Assert.Equal(Text[(Text.IndexOf("The", StringComparison.Ordinal))..], paper.Abstract); // ’ “ ” € — decoded, not lost
        var warning = Assert.Single(corpus.Warnings);
        Assert.Equal("cp1252.md", warning.File);
        Assert.Contains("Windows-1252", warning.Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_byte_sequence_becomes_a_replacement_character()
    {
        byte[] everyByte = [.. Enumerable.Range(0, 256).Select(b => (byte)b)];
        byte[] brokenAfterBom = [0xEF, 0xBB, 0xBF, (byte)'o', (byte)'k', 0xC3];

        var all = CorpusTextDecoder.Decode(everyByte);
        var broken = CorpusTextDecoder.Decode(brokenAfterBom);

        Assert.True(all.IsFallback);
        Assert.Equal(256, all.Text.Length);
        Assert.DoesNotContain('\uFFFD', all.Text);
        Assert.DoesNotContain('\uFFFD', broken.Text);
    }

    [Fact]
    public async Task The_latin1_file_of_the_bug_report_reads_its_accents_and_is_found_by_them()
    {
        var source = TestPaths.RequireCase(Path.Combine("encodings", "latin1.txt"));
        using var folder = new TempFolder();
        File.Copy(source, Path.Combine(folder.Path, "latin1.txt"));

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        var paper = Assert.Single(corpus.Papers);
        Assert.Equal("Naïve Bayes for résumé screening", paper.Title);
        Assert.Contains("résumés written in français and español", paper.Abstract, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', paper.Abstract);
        var warning = Assert.Single(corpus.Warnings);
        Assert.Equal("latin1.txt: is not valid UTF-8 and has no byte order mark; read as Windows-1252. Save it as UTF-8 to silence this warning", warning.ToString());
    }

    [Fact]
    public async Task A_question_with_the_accented_words_finds_the_latin1_note()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        await File.WriteAllBytesAsync(Path.Combine(corpus.Path, "latin1.txt"), Encoding.Latin1.GetBytes(Text), Ct);
        Retrieval.CorpusIndexTests.WritePapers(corpus, "other.jsonl", "Speech Recognition", "Protein Folding");
        var retriever = Retrieval.CorpusIndexTests.CreateRetriever(Retrieval.CorpusIndexTests.CreateIndex(corpus, cache, generator: null), generator: null);

        var result = await retriever.SearchAsync("naïve résumé screening", cancellationToken: Ct);

        Assert.Equal("Naïve Bayes for résumé screening", result.Hits[0].Paper.Title);
        Assert.True(result.Hits[0].RelevanceScore > 0.7); // the three terms weigh alike: one unmatched would leave at most 2/3
    }
}
