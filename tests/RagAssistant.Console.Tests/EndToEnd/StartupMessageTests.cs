using RagAssistant.Console.Cli;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>What a new user sees at start: one message per problem, one download command form, no stack traces.</summary>
[Trait("Category", "EndToEnd")]
public sealed class StartupMessageTests : IDisposable
{
    // Where a console command could be named: the front ends, the composition and the libraries they print from.
    private static readonly string[] FrontEndAndCompositionFolders =
        ["src/RagAssistant.Console", "src/RagAssistant.Hosting", "src/RagAssistant.Service", "src/RagAssistant.Core", "src/RagAssistant.LlamaCpp"];

    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Theory]
    [InlineData("Answering__MaxAnswerTokens", "1", "MaxAnswerTokens")]
    [InlineData("Retrieval__TopK", "0", "TopK")]
    [InlineData("Corpus__Folder", "", "Folder")]
    public async Task An_invalid_setting_prints_only_the_message_and_exits_1(string key, string value, string named)
    {
        var environment = new Dictionary<string, string> { [key] = value };

        var ask = await ConsoleProcess.RunWithEnvironmentAsync(environment, null, workingDirectory.Path, "ask", "speculative decoding", "--retrieval-only");
        var chat = await ConsoleProcess.RunWithEnvironmentAsync(environment, "/exit\n", workingDirectory.Path, "--retrieval-only");

        foreach (var result in new[] { ask, chat })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.StartsWith("error: invalid configuration: ", result.Error, StringComparison.Ordinal);
            Assert.Contains(named, result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Hosting failed to start", result.Error + result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_invalid_configuration_reads_on_in_lower_case_after_its_prefix()
    {
        // A file where the corpus folder goes: its message opens with a plain word ("The corpus folder ...").
        var file = Path.Combine(workingDirectory.Path, "passwd");
        File.WriteAllText(file, "root:x:0:0:root:/root:/bin/bash\n");

        // Corpus:Folder from the environment is a setting (exit 1); the same path given with --corpus is a wrong path on
        // the command line, bad usage as a missing --model file is (exit 2).
        var result = await ConsoleProcess.RunWithEnvironmentAsync(new Dictionary<string, string> { ["Corpus__Folder"] = file }, null, workingDirectory.Path, "ask", "walrus migration", "--retrieval-only");
        var commandLine = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "walrus migration", "--corpus", file, "--retrieval-only");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: invalid configuration: the corpus folder {file} is a file", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, commandLine.ExitCode);
        Assert.StartsWith($"error: the corpus folder {file} (from --corpus) is a file, not a folder.", commandLine.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_embedding_notice_is_shown_once_in_the_banner_and_not_as_a_log_line()
    {
        // The GGUF embedder: the bundled one (the default) needs no download and so has no notice.
        var environment = new Dictionary<string, string> { ["EmbeddingModel__Provider"] = "Gguf", ["EmbeddingModel__ModelPath"] = "models/not-downloaded-embedder.gguf" };

        var result = await ConsoleProcess.RunWithEnvironmentAsync(environment, "/exit\n", workingDirectory.Path, "--retrieval-only");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("warning:", result.Output + result.Error, StringComparison.Ordinal);
        // Whitespace flattened: where the banner wraps depends on the length of the model's path.
        Assert.Equal(1, Flatten(result.Output).Split("is not downloaded yet: retrieval is BM25 only").Length - 1);
        Assert.Contains(ConsoleProcess.Command("models download embedding"), Flatten(result.Output), StringComparison.Ordinal); // the dll it was run as
    }

    [Fact]
    public void Every_download_hint_is_the_command_that_works_from_the_repository_root()
    {
        var root = TestPaths.RepositoryRoot;
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var consoleReadme = File.ReadAllText(Path.Combine(root, "src", "RagAssistant.Console", "README.md"));

        // The top README names the one command a newcomer needs; the console's README has both.
        Assert.Equal("dotnet run --project src/RagAssistant.Console -- models download chat", ConsoleCommand.Download("chat"));
        Assert.Contains(ConsoleCommand.Download("chat"), readme, StringComparison.Ordinal);
        Assert.Contains(ConsoleCommand.Download("chat"), consoleReadme, StringComparison.Ordinal);
        Assert.Contains(ConsoleCommand.Download("embedding"), consoleReadme, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(root, "src", "RagAssistant.Console", "RagAssistant.Console.csproj")));

        // No other form in the front ends, the composition or the docs ("ragassistant models ..." does not exist on a fresh machine).
        var files = FrontEndAndCompositionFolders
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".js", StringComparison.Ordinal) || f.EndsWith(".html", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Append(Path.Combine(root, "README.md"))
            .Append(Path.Combine(root, "src", "RagAssistant.Console", "README.md"))
            .Append(Path.Combine(root, "deploy", "README.md"))
            .Append(Path.Combine(root, "models", "models.json"));
        foreach (var file in files)
        {
            Assert.DoesNotContain("ragassistant models", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    // The console wraps notices at its width; the command must read whole once the lines are joined.
    private static string Flatten(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
