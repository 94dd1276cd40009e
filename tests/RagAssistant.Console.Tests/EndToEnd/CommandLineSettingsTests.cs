using System.Text.Json;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>Any appsettings.json value on the console's command line (<c>--Section:Key=value</c>), as the service takes them.</summary>
[Trait("Category", "EndToEnd")]
public sealed class CommandLineSettingsTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Theory]
    [InlineData(1, "--Retrieval:TopK=1")]
    [InlineData(2, "--Retrieval:TopK 2")]
    public async Task A_retrieval_setting_on_the_command_line_changes_the_number_of_sources(int sources, string setting)
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, ["ask", "How does speculative decoding speed up inference?", "--json", "--retrieval-only", .. setting.Split(' ')]);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(sources, json.RootElement.GetProperty("sources").GetArrayLength());
    }

    [Theory]
    [InlineData("--Retrieval:TopK=0", "error: invalid configuration: Retrieval:TopK must be between 1 and 100, got 0.")]
    [InlineData("--Answering:MinRelevance=2", "error: invalid configuration: Answering:MinRelevance must be between 0 and 1, got 2.")]
    [InlineData("--Retrieval:Bm25:K1=-1", "error: invalid configuration: Retrieval:Bm25:K1 must be between 0 and 5, got -1.")]
    [InlineData("--Retrieval:TopK=abc", "Retrieval:TopK expects a whole number, got 'abc'.")]
    [InlineData("--Retrieval:Mode=foo", "Retrieval:Mode expects one of bm25, dense, hybrid, got 'foo'.")]
    [InlineData("--Corpus:FollowExternalLinks=maybe", "Corpus:FollowExternalLinks expects true or false, got 'maybe'.")]
    [InlineData("--Corpus:MaxFileBytes=0", "error: invalid configuration: Corpus:MaxFileBytes must be between 1 and 2147483591, got 0.")]
    public async Task A_bad_setting_on_the_command_line_fails_start_up_validation_naming_it(string setting, string named)
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "speculative decoding", "--retrieval-only", setting);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: invalid configuration: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task An_unknown_option_beside_a_setting_is_still_bad_usage()
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "--bogus", "speculative decoding", "--Retrieval:TopK=1");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: unknown option '--bogus' for 'ask'.", result.Error, StringComparison.Ordinal);
        Assert.Contains("ask --help", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error: unknown command 'asks'. Did you mean ask?", "asks", "speculative decoding")]
    [InlineData("error: unknown option '--topk' for 'ask'. Did you mean --top-k?", "ask", "speculative decoding", "--topk", "3")]
    public async Task A_mistyped_command_or_option_gets_a_suggestion_from_the_real_program(string expected, params string[] args)
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.Error.Split('\n')[0]);
    }

    [Fact]
    public async Task Eval_says_what_to_do_with_the_best_refusal_threshold()
    {
        var set = TestPaths.RequireDevSet();

        // A threshold set too low (answering everything): the best one refuses more uncovered questions, so it is suggested.
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "eval", "--set", set, "--retriever", "bm25", "--retrieval-only", "--EmbeddingModel:Provider=None", "--Answering:MinRelevance=0.001");

        Assert.True(result.ExitCode == 0, result.Error);
        var output = string.Join(' ', result.Output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Refusal threshold within 5% of the answerable refused", output, StringComparison.Ordinal);
        Assert.Matches(@"Answering:MinRelevance \(the relevance below which a question is refused as not covered\) is 0\.001;", output);
        Assert.Matches(@"pass --Answering:MinRelevance=0\.\d+ for one run, or set ""Answering"": \{ ""MinRelevance"": 0\.\d+ \} in appsettings\.json", output);
    }
}
