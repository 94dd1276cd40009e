using System.Text;
using System.Text.Json;
using RagAssistant.Core.Ingestion;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace RagAssistant.Core.Tests.Ingestion;

/// <summary>
/// Ingestion strips control characters, whole escape sequences and bidirectional overrides from every document's
/// title and text, whatever the file type (listing dump, .md/.txt note, JSONL with JSON escapes, PDF, an upload), so no
/// front end gets them; HTML and legitimate Unicode stay as written.
/// </summary>
public sealed class HostileTextIngestionTests
{
    // The fresh-user trial's title: window title (OSC ... BEL), colour (CSI), clear screen (CSI), HTML.
    private const string HostileTitle = "\u001b]0;PWNED\u0007\u001b[31m<script>alert(1)</script> Evil <b>Title</b>\u001b[2J";
    private const string CleanTitle = "<script>alert(1)</script> Evil <b>Title</b>";
    private const string HostileText = "Draft models \u001b[1A\u001b[2Kspeed up \u202edecoding\u202c in one \u009b2Jpass\u0008; caf\u00e9 \u8349\u7a3f \u2200x \U0001F600.";
    private const string CleanText = "Draft models speed up decoding in one pass; caf\u00e9 \u8349\u7a3f \u2200x \U0001F600.";
    private const string Filler = "We study how language models learn to count tokens in long documents and show that simple training changes help a lot across many benchmarks and settings, which matters for retrieval.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, byte[], string, string> Documents => new()
    {
        { "note.md", Encoding.UTF8.GetBytes($"# {HostileTitle}\n\n{HostileText}\n"), CleanTitle, CleanText },
        { "note.txt", Encoding.UTF8.GetBytes($"{HostileTitle}\r\n{HostileText}\r\n"), CleanTitle, CleanText },
        { "pages.txt", Encoding.UTF8.GetBytes("Pages\nPage one\fPage two \u001b[1mbold\u001b[0m, one stray \u0007bell.\n"), "Pages", "Page one Page two bold, one stray bell." },
        { "bidi.md", Encoding.UTF8.GetBytes("# \u202eTitle reversed\u202c \u2067isolated\u2069\n\nText \u202aembedded\u202c here.\n"), "Title reversed isolated", "Text embedded here." },
        { "papers.jsonl", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { title = HostileTitle, @abstract = HostileText, date = "Feb\u001b[2J 22, 2024" }) + "\n"), CleanTitle, CleanText },
        { "002_listing.txt", Encoding.UTF8.GetBytes($"Get trending papers in your email inbox!\n{HostileTitle}\n{Filler} {HostileText}\nSecond Paper on Pruning\n{Filler}\n"), CleanTitle, $"{Filler} {CleanText}" },
        { "paper.pdf", Pdf(HostileTitle, "Draft models speed up decoding."), CleanTitle, "Draft models speed up decoding." }, // the metadata title
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task Every_file_type_yields_a_clean_title_and_text(string name, byte[] bytes, string title, string text)
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, name), bytes, Ct);

        var corpus = await new CorpusLoader(new PassageSplitter(ApproximateTokenizer.Instance, 256, 32)).LoadAsync(folder.Path, Ct);

        var paper = corpus.Papers[0];
        Assert.Equal(title, paper.Title);
        Assert.Equal(text, paper.Abstract);
        Assert.Equal(PaperIdentity.CreateId(title), paper.Id);
        Assert.All(corpus.Papers, p => AssertClean(p.Title, p.Abstract, p.Date));
        Assert.All(corpus.Passages, p => AssertClean(p.Text));
    }

    [Fact]
    public void An_uploaded_document_is_read_clean_and_a_title_of_nothing_but_escapes_is_no_title()
    {
        // What the service reads of an upload before it writes it (ReadPapers, WhyUnreadable): the same rule.
        var upload = Encoding.UTF8.GetBytes($"{HostileTitle}\n\u001b[2J\u001b]0;x\u0007\n{HostileText}\n");

        var paper = Assert.Single(CorpusLoader.ReadPapers(upload, "uploads/evil.txt"));

        Assert.Equal(CleanTitle, paper.Title);
        Assert.Equal(CleanText, paper.Abstract);
        Assert.Null(CorpusLoader.WhyUnreadable(upload, "uploads/evil.txt"));
    }

    [Fact]
    public void A_one_line_note_named_with_escapes_is_titled_by_the_name_without_them()
    {
        var note = Encoding.UTF8.GetBytes("Walrus herds follow the sea ice.\n");

        Assert.Equal("evil name", Assert.Single(CorpusLoader.ReadPapers(note, "evil\u001b[31m\u001b]0;x\u0007\nname.txt")).Title);
        Assert.Equal("\\u001b[2J", Assert.Single(CorpusLoader.ReadPapers(note, "\u001b[2J.txt")).Title); // nothing else: escaped, visible
    }

    private static void AssertClean(params string?[] texts)
    {
        foreach (var text in texts)
        {
            Assert.DoesNotContain(text ?? string.Empty, c => ControlCharacters.IsControl(c) && c is not '\n' and not '\t');
            Assert.DoesNotContain("[31m", text ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain("PWNED", text ?? string.Empty, StringComparison.Ordinal);
        }
    }

    private static byte[] Pdf(string title, string text)
    {
        var builder = new PdfDocumentBuilder();
        builder.DocumentInformation.Title = title;
        var page = builder.AddPage(PageSize.A4);
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        page.AddText(text, 10, new PdfPoint(25, 750), font);
        return builder.Build();
    }
}
