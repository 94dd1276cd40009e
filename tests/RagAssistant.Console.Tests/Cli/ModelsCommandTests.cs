using System.Net;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.Cli;

public sealed class ModelsCommandTests : IDisposable
{
    private readonly byte[] content = GgufTestFile.Create(200_000);
    private readonly LoopbackModelServer server;
    private readonly TempFolder folder = new();
    private readonly CliHarness cli = new();

    public ModelsCommandTests()
    {
        server = new LoopbackModelServer(content);
        var manifest = Path.Combine(folder.Path, "models.json");
        File.WriteAllText(manifest, $$"""
            {
              "models": [
                { "name": "tiny-chat", "role": "chat", "file": "tiny-chat.gguf", "url": "{{server.FileUri}}",
                  "size_bytes": {{content.Length}}, "sha256": "{{GgufTestFile.Sha256(content)}}", "license": "MIT" },
                { "name": "tiny-embed", "role": "embedding", "file": "tiny-embed.gguf", "url": "{{server.FileUri}}",
                  "size_bytes": null, "sha256": null, "license": "MIT" }
              ]
            }
            """);
        cli.Configuration["Models:ManifestPath"] = manifest;
        cli.Configuration["Models:Folder"] = Path.Combine(folder.Path, "models");
        cli.Configuration["Models:DownloadAttempts"] = "1";
    }

    public void Dispose()
    {
        server.Dispose();
        folder.Dispose();
    }

    [Fact]
    public async Task Download_fetches_the_named_model_and_list_shows_it()
    {
        Assert.Equal(0, await cli.RunAsync(string.Empty, "models", "download", "chat"));
        Assert.Contains("Downloaded tiny-chat", cli.Output, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(folder.Path, "models", "tiny-chat.gguf"), TestContext.Current.CancellationToken));

        Assert.Equal(0, await cli.RunAsync(string.Empty, "models", "list"));
        Assert.Matches(@"tiny-chat\s*│\s*chat\s*│\s*present", cli.Output);
        Assert.Matches(@"tiny-embed\s*│\s*embedding\s*│\s*missing", cli.Output);

        // "models" alone lists too.
        Assert.Equal(0, await cli.RunAsync(string.Empty, "models"));
        Assert.Matches(@"tiny-chat\s*│\s*chat\s*│\s*present", cli.Output);

        Assert.Equal(0, await cli.RunAsync(string.Empty, "models", "verify"));
        Assert.Contains("ok      tiny-chat: GGUF v3", cli.Output, StringComparison.Ordinal);
        Assert.Contains("sha256 ok", cli.Output, StringComparison.Ordinal);
    }

    private static readonly string[] ListedFiles = ["qwen2.5-0.5b-instruct-q4_k_m.gguf", "qwen2.5-1.5b-instruct-q4_k_m.gguf", "bge-small-en-v1.5-f16.gguf"];

    private static readonly string[] ListedNames = ["qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct", "bge-small-en-v1.5", "arctic-embed-xs", "all-MiniLM-L6-v2"];

    [Fact]
    public async Task List_at_80_columns_keeps_every_name_and_file_whole()
    {
        // The shipped manifest: qwen2.5-0.5b-instruct and the others, in the build's models folder (a long path).
        var narrow = new CliHarness { Width = 80 };

        Assert.Equal(0, await narrow.RunAsync(string.Empty, "models", "list"));

        var lines = narrow.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var files = ListedFiles.Select(f => Path.Combine(AppContext.BaseDirectory, "models", f)).ToList();
        Assert.All(files, file => Assert.Single(lines, line => line.Trim() == file));
        foreach (var name in ListedNames)
        {
            Assert.Contains(lines, line => line.Contains($"│ {name} ", StringComparison.Ordinal));
        }

        // The fetch hint's command is whole on a line of its own, not broken at the 80th column; every other line but
        // a file's own fits the 80 columns.
        // A copy of it runs one command: no "|" for the shell to read as a pipe.
        const string Fetch = "dotnet run --project src/RagAssistant.Console -- models download NAME";
        Assert.Single(lines, line => line.Trim() == Fetch);
        Assert.DoesNotContain(lines, line => line.Contains('|', StringComparison.Ordinal));
        Assert.All(lines.Where(line => !files.Contains(line.Trim()) && line.Trim() != Fetch && !line.StartsWith("Models folder", StringComparison.Ordinal)), line => Assert.True(line.Length <= 80, line));
    }

    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(70)]
    [InlineData(72)]
    [InlineData(75)]
    [InlineData(80)]
    [InlineData(100)]
    public async Task List_breaks_no_word_at_any_width(int width)
    {
        // A trial at 60 columns: "missin/g", "Apach/e-2.0" in the table's squeezed columns.
        var wide = new CliHarness { Width = Terminal.PipeWidth };
        var narrow = new CliHarness { Width = width };

        Assert.Equal(0, await wide.RunAsync(string.Empty, "models", "list"));
        Assert.Equal(0, await narrow.RunAsync(string.Empty, "models", "list"));

        // Every word of every row (the header's left out: the narrowest layout has none), as often as in one wide table.
        var rows = wide.Output.Split('\n').Where(l => l.Contains('│', StringComparison.Ordinal)).Skip(1);
        var shown = Words(narrow.Output);
        foreach (var word in rows.SelectMany(Words).GroupBy(w => w, StringComparer.Ordinal))
        {
            Assert.True(shown.Count(w => w == word.Key) >= word.Count(), $"'{word.Key}' broken at {width} columns:\n{narrow.Output}");
        }

        var files = ListedFiles.Select(f => Path.Combine(AppContext.BaseDirectory, "models", f)).ToList();
        Assert.All(narrow.Output.Split('\n').Where(l => !files.Contains(l.Trim()) && !l.Contains("NuGet package", StringComparison.Ordinal) && !l.StartsWith("Models folder", StringComparison.Ordinal) && !l.Contains("models download", StringComparison.Ordinal)), line => Assert.True(line.TrimEnd().Length <= width, line));
    }

    [Fact]
    public async Task List_calls_a_given_model_file_that_is_no_gguf_invalid_not_in_use()
    {
        var junk = Path.Combine(folder.Path, "junk.gguf");
        await File.WriteAllBytesAsync(junk, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))], TestContext.Current.CancellationToken);
        var good = Path.Combine(folder.Path, "good.gguf");
        await File.WriteAllBytesAsync(good, content, TestContext.Current.CancellationToken);

        Assert.Equal(0, await cli.RunAsync(string.Empty, "models", "list", "--model", junk));
        Assert.Matches(@"junk\.gguf\s*│\s*chat\s*│\s*invalid \(--model\), see below", cli.Output);
        Assert.DoesNotContain("present, in use (--model)", cli.Output, StringComparison.Ordinal);

        // The problem and its fix follow the table on a line of their own: in its cell it made the table 450 columns wide.
        Assert.Contains("junk.gguf (--model): model file '", cli.Output, StringComparison.Ordinal);
        Assert.All(cli.Output.Split('\n').Where(l => l.Contains('│', StringComparison.Ordinal)), l => Assert.DoesNotContain("not a GGUF", l, StringComparison.Ordinal));

        Assert.Equal(0, await cli.RunAsync(string.Empty, "models", "list", "--model", good));
        Assert.Contains("present, in use (--model)", cli.Output, StringComparison.Ordinal);
    }

    // The words of a line, without the table's borders and the "; " between a narrow list's values.
    private static List<string> Words(string text) =>
        [.. text.Split([' ', '\n', '\r', '│', '─', '┌', '┐', '└', '┘', '├', '┤', '┬', '┴', '┼'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.TrimEnd(',', ';')).Where(w => w.Length > 0)];

    [Fact]
    public async Task A_server_error_fails_the_download_with_exit_code_1()
    {
        server.FailWith = HttpStatusCode.InternalServerError;

        Assert.Equal(1, await cli.RunAsync(string.Empty, "models", "download", "tiny-chat"));
        Assert.Contains("500", cli.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, "models", "tiny-chat.gguf")));
    }

    [Fact]
    public async Task An_unknown_model_name_is_bad_usage()
    {
        Assert.Equal(2, await cli.RunAsync(string.Empty, "models", "download", "gpt-5"));
        Assert.Contains("no model named \"gpt-5\"", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_flags_a_corrupt_file_with_exit_code_1()
    {
        var bad = Path.Combine(folder.Path, "broken.gguf");
        await File.WriteAllTextAsync(bad, "<html><body>404: the page was not found</body></html>", TestContext.Current.CancellationToken);

        Assert.Equal(1, await cli.RunAsync(string.Empty, "models", "verify", "--model", bad));
        Assert.Contains("invalid broken.gguf", cli.Output, StringComparison.Ordinal);
        Assert.Contains("not a GGUF file", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_chat_model_the_chat_says_how_to_fetch_one_and_continues()
    {
        cli.HasChatModel = false;

        var exitCode = await cli.RunAsync("a question\n/exit\n");

        Assert.Equal(0, exitCode);
        Assert.Contains("Fetch one with `dotnet run --project src/RagAssistant.Console -- models download chat`.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Draft models speed up decoding", cli.Output, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }
}
