using System.Text;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

/// <summary>
/// One declared decoding rule: BOM, else valid UTF-8, else Windows-1252 with a warning; never U+FFFD. A .txt, .md or
/// .jsonl file holding binary data is skipped with one warning, never decoded into junk papers (<see cref="BinaryContentDetector"/>).
/// </summary>
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
        { "utf-32 BE", [.. new UTF32Encoding(bigEndian: true, byteOrderMark: true).GetPreamble(), .. new UTF32Encoding(bigEndian: true, byteOrderMark: true).GetBytes(Text)] },
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
        Assert.False(BinaryContentDetector.HoldsBinaryData(bytes), name);
    }

    [Fact]
    public async Task Windows_1252_bytes_are_read_as_windows_1252_with_a_warning_naming_the_file_and_encoding()
    {
        using var folder = new TempFolder();
        var bytes = CorpusTextDecoder.Windows1252.GetBytes(Text);
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "cp1252.md"), bytes, Ct);

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        var paper = Assert.Single(corpus.Papers);
        Assert.Equal(Text[(Text.IndexOf("The", StringComparison.Ordinal))..], paper.Abstract); // ’ “ ” € — decoded, not lost
        var warning = Assert.Single(corpus.Warnings);
        Assert.Equal("cp1252.md", warning.File);
        Assert.Contains("Windows-1252", warning.Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", warning.Message, StringComparison.Ordinal);
        Assert.False(BinaryContentDetector.HoldsBinaryData(bytes)); // no NUL, no control characters: text
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

    public static TheoryData<string, byte[]> Binary => new()
    {
        // The trial's file: /dev/urandom under a text name.
        { "junk.txt", RandomBytes(200 * 1024, seed: 1) },
        { "junk.md", RandomBytes(5000, seed: 2) },
        { "junk.jsonl", RandomBytes(3000, seed: 3) },

        // Random bytes with every NUL removed: the share of C0 control characters gives them away.
        { "no-nul.txt", [.. RandomBytes(20_000, seed: 4).Where(b => b != 0)] },

        // Text, then a NUL past the first 8 KiB (an archive appended to a note).
        { "tail.txt", [.. Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Plain words of a note. ", 500))), 0, 1, 2, 3] },

        // A PDF under a text name, and control characters only (no NUL).
        { "paper.txt", Encoding.ASCII.GetBytes("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n") },
        { "controls.md", [.. Enumerable.Repeat(Encoding.ASCII.GetBytes("title\u0001\u0002\u0003\u0004 "), 200).SelectMany(b => b)] },

        // A UTF-8 byte order mark says nothing about NUL bytes.
        { "bom-junk.txt", [0xEF, 0xBB, 0xBF, .. RandomBytes(4000, seed: 5)] },
    };

    [Theory]
    [MemberData(nameof(Binary))]
    public async Task A_text_named_file_holding_binary_data_is_skipped_with_one_warning_naming_it(string name, byte[] bytes)
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, name), bytes, Ct);
        folder.Write("note.md", "# Sparse attention\n\nSparse attention lowers the cost of long contexts in transformers.");

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        var paper = Assert.Single(corpus.Papers);
        Assert.Equal("Sparse attention", paper.Title);
        Assert.All(corpus.Passages, p => Assert.Equal(paper.Id, p.PaperId));
        var warning = Assert.Single(corpus.Warnings);
        Assert.Equal($"{name}: is not a text file (it holds binary data); skipped", warning.ToString());
        Assert.True(BinaryContentDetector.HoldsBinaryData(bytes));
    }

    [Fact]
    public void Text_with_tabs_form_feeds_escapes_and_a_stray_control_character_is_text()
    {
        var text = "col\tcol\r\nPage one\fPage two \u001b[1mbold\u001b[0m and one stray \u0007 bell in a long enough line of words.\n";

        Assert.False(BinaryContentDetector.HoldsBinaryData(Encoding.UTF8.GetBytes(text)));
        Assert.True(BinaryContentDetector.HoldsBinaryData(Encoding.UTF8.GetBytes("a\u0007\u0007b")));
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
