using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

public sealed class ListingFormatParserTests
{
    private const string Abstract1 = "We study how language models learn to count tokens in long documents and show that simple training changes help a lot across many benchmarks and settings.";
    private const string Abstract2 = "This paper proposes a new pruning method for transformers that keeps accuracy while removing half of the weights, and we evaluate it on several tasks.";

    [Fact]
    public void Parses_layout_without_blank_lines_and_skips_header_boilerplate()
    {
        var text = $"""
            Get trending papers in your email inbox once a day!
            Get trending papers in your email inbox!
            SubscribeQuark: Controllable Text Generation with Reinforced Unlearning
            {Abstract1}
            Second Paper on Pruning
            {Abstract2}

            """;

        var content = ListingFormatParser.Parse(text, "000.txt");

        Assert.Empty(content.Warnings);
        Assert.Collection(
            content.Entries,
            e =>
            {
                Assert.Equal("Quark: Controllable Text Generation with Reinforced Unlearning", e.Paper.Title);
                Assert.Equal(Abstract1, e.Paper.Abstract);
                Assert.Equal(3, e.Paper.SourceLine);
                Assert.Equal("000.txt", e.Paper.SourceFile);
                Assert.True(e.IsAbstract);
            },
            e =>
            {
                Assert.Equal("Second Paper on Pruning", e.Paper.Title);
                Assert.Equal(5, e.Paper.SourceLine);
            });
    }

    [Fact]
    public void Parses_layout_with_blank_lines_and_ignores_the_listing_date_in_the_header()
    {
        var text = $"new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\nMar 17\n\nFirst Title Here\n\n{Abstract1}\n\nSecond Title Here\n\n{Abstract2}";

        var content = ListingFormatParser.Parse(text, "001.txt");

        Assert.Empty(content.Warnings);
        Assert.Equal(["First Title Here", "Second Title Here"], content.Entries.Select(e => e.Paper.Title));
        Assert.Equal([11, 15], content.Entries.Select(e => e.Paper.SourceLine));
        Assert.All(content.Entries, e => Assert.Null(e.Paper.Date));
    }

    [Fact]
    public void Attaches_author_count_date_and_upvotes_to_the_preceding_paper()
    {
        var text = $"Daily Papers\n\nOct 31\n\nFirst Title Here\n\n{Abstract1}\n\n  \u2022 5 authors\n\u00b7\nFeb 22, 2024\n\nSecond Title Here\n\n{Abstract2}\n\n  \u2022 1 authors\n\u00b7\nAug 13, 2024 6\n";

        var content = ListingFormatParser.Parse(text, "002.txt");

        Assert.Empty(content.Warnings);
        var first = content.Entries[0].Paper;
        Assert.Equal(5, first.AuthorCount);
        Assert.Equal("Feb 22, 2024", first.Date);
        Assert.Null(first.Upvotes);
        var second = content.Entries[1].Paper;
        Assert.Equal(1, second.AuthorCount);
        Assert.Equal("Aug 13, 2024", second.Date);
        Assert.Equal(6, second.Upvotes);
    }

    [Theory]
    [InlineData("google Google", "Google")]
    [InlineData("KaLM-Embedding KaLM-Embedding", "KaLM-Embedding")]
    [InlineData("Some Lab", "Some Lab")]
    public void Reads_organisation_lines_structurally_before_the_middle_dot(string line, string expected)
    {
        var text = $"First Title Here\n\n{Abstract1}\n\n{line}\n\u00b7\nOct 21 3\n\nSecond Title Here\n\n{Abstract2}\n";

        var content = ListingFormatParser.Parse(text, "002.txt");

        Assert.Empty(content.Warnings);
        Assert.Equal(2, content.Entries.Count);
        var first = content.Entries[0].Paper;
        Assert.Equal(expected, first.Organization);
        Assert.Null(first.AuthorCount);
        Assert.Equal("Oct 21", first.Date);
        Assert.Equal(3, first.Upvotes);
        Assert.Equal("Second Title Here", content.Entries[1].Paper.Title);
    }

    [Fact]
    public void Entries_without_metadata_between_entries_with_metadata_keep_empty_fields()
    {
        var text = $"A Title\n\n{Abstract1}\n\n  \u2022 3 authors\n\u00b7\nAug 15\n\nBatch Speculative Decoding Done Right\n\n{Abstract2}\n\nThird Title\n\n{Abstract1}\n\n  \u2022 2 authors\n\u00b7\nAug 16";

        var content = ListingFormatParser.Parse(text, "002.txt");

        Assert.Equal(3, content.Entries.Count);
        var middle = content.Entries[1].Paper;
        Assert.Null(middle.AuthorCount);
        Assert.Null(middle.Date);
        Assert.Equal("Aug 16", content.Entries[2].Paper.Date);
    }

    [Fact]
    public void Reports_a_title_without_abstract_at_end_of_file()
    {
        var content = ListingFormatParser.Parse($"A Title\n{Abstract1}\nDangling Title", "x.txt");

        Assert.Single(content.Entries);
        var warning = Assert.Single(content.Warnings);
        Assert.Equal(3, warning.Line);
        Assert.Contains("no abstract", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_line_endings_parse_like_unix_ones()
    {
        var unix = ListingFormatParser.Parse($"A Title\n\n{Abstract1}\n", "x.txt");
        var windows = ListingFormatParser.Parse($"A Title\r\n\r\n{Abstract1}\r\n", "x.txt");

        Assert.Equal(unix.Entries.Select(e => e.Paper), windows.Entries.Select(e => e.Paper));
    }

    [Fact]
    public void Tells_listings_from_plain_documents()
    {
        Assert.True(ListingFormatParser.LooksLikeListing("Get trending papers in your email inbox!\nA\nB"));
        Assert.True(ListingFormatParser.LooksLikeListing($"Title One\n{Abstract1}\nTitle Two\n{Abstract2}"));
        Assert.False(ListingFormatParser.LooksLikeListing($"My notes\n{Abstract1} {Abstract2}\nmore text"));
    }
}
