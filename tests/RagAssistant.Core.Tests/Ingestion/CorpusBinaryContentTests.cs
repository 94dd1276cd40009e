using System.Text;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

/// <summary>
/// A .txt, .md or .jsonl file holding binary data is skipped with one warning, never decoded as Windows-1252 into junk
/// papers; real text in any encoding the decoder reads is still read (<see cref="BinaryContentDetector"/>).
/// </summary>
public sealed class CorpusBinaryContentTests
{
    private const string Text = "# Naïve Bayes for résumé screening\n\nThe café’s “naïve” résumés cost 5 € — façade, Ærø, ½. We study screening with small models and report results.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CorpusLoader CreateLoader() => new(new PassageSplitter(ApproximateTokenizer.Instance, 256, 32));

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

    public static TheoryData<string, byte[]> Text_files => new()
    {
        { "utf-8", Encoding.UTF8.GetBytes(Text) },
        { "utf-16 LE with BOM", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Text)] },
        { "utf-16 BE with BOM", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Text)] },
        { "utf-32 LE with BOM", [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes(Text)] },
        { "utf-32 BE with BOM", [.. new UTF32Encoding(bigEndian: true, byteOrderMark: true).GetPreamble(), .. new UTF32Encoding(bigEndian: true, byteOrderMark: true).GetBytes(Text)] },
        { "windows-1252", CorpusTextDecoder.Windows1252.GetBytes(Text) },
    };

    [Theory]
    [MemberData(nameof(Text_files))]
    public async Task Real_text_in_any_encoding_read_is_still_read(string encoding, byte[] bytes)
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "note.txt"), bytes, Ct);

        var corpus = await CreateLoader().LoadAsync(folder.Path, Ct);

        var paper = Assert.Single(corpus.Papers);
        Assert.Equal("Naïve Bayes for résumé screening", paper.Title);
        Assert.Equal(Text[Text.IndexOf("The", StringComparison.Ordinal)..], paper.Abstract);
        Assert.DoesNotContain(corpus.Warnings, w => w.Message.Contains("binary", StringComparison.Ordinal));
        Assert.False(BinaryContentDetector.HoldsBinaryData(bytes), encoding);
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
