using System.Text;
using System.Text.Json;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>
/// A corpus whose titles, text and file names hold terminal escape sequences (window title, clear screen, cursor
/// moves, 8-bit CSI) and bidirectional overrides: what the console prints, byte for byte, holds none of them, nor does
/// <c>--json</c> (ingestion strips them from every document's title and text).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HostileTextTests : IDisposable
{
    private const string WindowTitle = "\u001b]0;pwned\u0007";
    private const string ClearScreen = "\u001b[2J";
    private const string EraseLineAbove = "\u001b[1A\u001b[2K";
    private const string EightBitCsi = "\u009b2J";

    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Index_and_ask_print_no_control_characters_from_titles_text_or_file_names()
    {
        var corpus = HostileCorpus();

        // --verbose: the loader's log lines, which name the files, go to stderr as well.
        var index = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "index", "--corpus", corpus, "--retrieval-only", "--verbose");
        var ask = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "How do draft models speed up speculative decoding?", "--corpus", corpus, "--retrieval-only");

        Assert.True(index.ExitCode == 0, index.Error);
        AssertPrintable(index);
        var indexed = Collapse(index.Output);
        Assert.Contains("merged 2 identical copies of \"Speculative decoding with draft models\"", indexed, StringComparison.Ordinal);
        Assert.Contains("evil.md", indexed, StringComparison.Ordinal);
        Assert.Contains("latin.txt: is not valid UTF-8", indexed, StringComparison.Ordinal);
        Assert.Contains("latin\\u001b[2J.txt: is not valid UTF-8", index.Error, StringComparison.Ordinal); // the log escapes, visibly

        Assert.True(ask.ExitCode == 0, ask.Error);
        AssertPrintable(ask);
        Assert.Contains("Speculative decoding with draft models", ask.Output, StringComparison.Ordinal);
        Assert.Contains("Draft models speed up decoding.", ask.Output, StringComparison.Ordinal);

        // The answer's own line breaks survive: the extracted sentences are on lines of their own.
        var answer = ask.Output[..ask.Output.IndexOf("Sources", StringComparison.Ordinal)];
        Assert.True(answer.Trim().Split('\n').Length >= 2, answer);
    }

    [Fact]
    public async Task Ask_json_has_the_titles_and_quotes_as_ingestion_cleaned_them()
    {
        var corpus = HostileCorpus();

        var ask = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "How do draft models speed up speculative decoding?", "--json", "--corpus", corpus, "--retrieval-only");

        Assert.True(ask.ExitCode == 0, ask.Error);
        AssertPrintable(ask);
        // Ingestion stripped them: not even as JSON escapes, which a client's `jq -r` would turn back into escapes.
        Assert.DoesNotContain("\\u001B", ask.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\\u009B", ask.Output, StringComparison.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(ask.Output);
        var titles = document.RootElement.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("title").GetString()).ToList();
        Assert.Contains("Speculative decoding with draft models", titles);
    }

    [Fact]
    public async Task A_bidi_override_in_a_title_or_text_reverses_nothing_on_the_console()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        File.WriteAllText(Path.Combine(corpus, "reversed.md"), "# \u202eWalrus migration reversed\u202c \u2067isolated\u2069\n\nWalrus herds \u202emigrate\u202c across the arctic as the sea ice retreats.\n");

        var ask = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "walrus migration arctic", "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");
        var json = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "walrus migration arctic", "--json", "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        foreach (var result in new[] { ask, json })
        {
            Assert.True(result.ExitCode == 0, result.Error);
            AssertPrintable(result);
            Assert.DoesNotContain(result.Output + result.Error, c => c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069');
            Assert.DoesNotContain("\\u202", result.Output, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("Walrus migration reversed isolated", ask.Output, StringComparison.Ordinal);
        Assert.Contains("migrate across the arctic", ask.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\u0085")]
    public async Task A_line_break_in_a_file_name_or_title_cannot_forge_a_line(string lineBreak)
    {
        // Titles from file names (the documents have no heading), a title of a heading, and binary files whose
        // skip warnings name them: each holds the line break before what would pass for a line of its own.
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        File.WriteAllText(Path.Combine(corpus, $"walrus{lineBreak}fail: forged.txt"), "Walrus migration in the arctic follows the sea ice every spring.\n");
        // A heading ends at a line feed or carriage return; the other line breaks stay in its title.
        var heading = lineBreak.Contains('\n', StringComparison.Ordinal) || lineBreak.Contains('\r', StringComparison.Ordinal) ? "Arctic walrus herds" : $"Arctic walrus herds{lineBreak}fail: forged title";
        File.WriteAllText(Path.Combine(corpus, "titled.md"), $"# {heading}\n\nWalrus herds migrate across the arctic{lineBreak}fail: forged quote as the ice retreats.\n");
        File.WriteAllBytes(Path.Combine(corpus, $"evil\u001b[31mname{lineBreak}fail: forged.txt"), [0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 0, 0, 3]);
        string[] settings = ["--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None"];

        var index = await ConsoleProcess.RunAsync(null, workingDirectory.Path, ["index", .. settings]);
        var ask = await ConsoleProcess.RunAsync(null, workingDirectory.Path, ["ask", "walrus migration arctic", "--evidence", .. settings]);
        var chat = await ConsoleProcess.RunAsync("walrus migration arctic\n/sources\n/evidence\n/history\n/exit\n", workingDirectory.Path, settings);

        foreach (var result in new[] { index, ask, chat })
        {
            Assert.True(result.ExitCode == 0, result.Error);
            AssertPrintable(result);
            foreach (var text in new[] { result.Output, result.Error })
            {
                var lines = text.Split(['\n', '\r', '\u0085', '\u2028', '\u2029']);
                Assert.DoesNotContain(lines, line => line.TrimStart().StartsWith("fail:", StringComparison.Ordinal));
            }
        }

        // What the names say is still shown, on the line it belongs to.
        Assert.Contains("evilname fail: forged.txt: is not a text file", index.Output + index.Error, StringComparison.Ordinal);
        Assert.Contains("walrus fail: forged", ask.Output, StringComparison.Ordinal);
        Assert.Contains("walrus fail: forged", chat.Output, StringComparison.Ordinal);
    }

    private string HostileCorpus()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        var document = $"# Speculative decoding {WindowTitle}with draft {ClearScreen}models\n\nDraft models {EraseLineAbove}speed up decoding. A verifier{EightBitCsi} checks every drafted token in one pass.\n";
        File.WriteAllText(Path.Combine(corpus, $"evil{WindowTitle}{ClearScreen}.md"), document);
        File.WriteAllText(Path.Combine(corpus, $"copy{EraseLineAbove}{EightBitCsi}.md"), document);
        File.WriteAllBytes(Path.Combine(corpus, $"latin{ClearScreen}.txt"), Encoding.Latin1.GetBytes($"# Na\u00efve Bayes {WindowTitle}for r\u00e9sum\u00e9s\n\nNa\u00efve r\u00e9sum\u00e9 screening.\n"));
        return corpus;
    }

    // No C0 control but line breaks and tabs, no DEL, no C1 (UTF-8 C2 80..C2 9F), in either stream.
    private static void AssertPrintable(ConsoleProcess.Result result)
    {
        foreach (var bytes in new[] { result.OutputBytes, result.ErrorBytes })
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                var b = bytes[i];
                var c1 = b == 0xC2 && i + 1 < bytes.Length && bytes[i + 1] is >= 0x80 and <= 0x9F;
                Assert.False(b is < 0x20 and not (byte)'\n' and not (byte)'\r' and not (byte)'\t' || b == 0x7F || c1, $"byte 0x{b:X2} at {i}:\n{Encoding.UTF8.GetString(bytes)}");
            }
        }
    }

    private static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
