using System.Globalization;
using System.Text.Json;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>
/// Every question within the limits searches without error (BM25 once threw TooManyClausesException past 512
/// distinct terms): the real program, the shipped corpus, retrieval-only.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class LongQuestionTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    /// <summary>1,000+ distinct short codes: twice the terms Lucene's clause limit allowed, within the 4,000-character limit.</summary>
    public static string CodesQuestion { get; } = "Which papers mention any of these codes: "
        + string.Join(' ', Enumerable.Range(0, 1_000).Select(i => string.Create(CultureInfo.InvariantCulture, $"{(char)('a' + (i / 100))}{i % 100}"))) + "?";

    /// <summary>
    /// These questions are about 1,500 stories260K tokens, and a question may take at most a quarter of the context:
    /// in the tests' usual 1,024-token context they are refused as too long once a paper passes the relevance gate.
    /// </summary>
    private const string LongQuestionContext = "--ChatModel:ContextSize=8192";

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task The_long_question_of_the_bug_report_gets_an_answer_from_ask_json()
    {
        var question = TestPaths.RequireCase(Path.Combine("long-question", "question.txt"));

        var result = await ConsoleProcess.RunAsync(await File.ReadAllTextAsync(question, TestContext.Current.CancellationToken), workingDirectory.Path, "ask", "-", "--json", "--retrieval-only");

        AssertAnswered(result);
    }

    [Theory]
    [InlineData("codes")]
    [InlineData("cjk")]
    public async Task Questions_of_thousands_of_terms_in_any_script_get_an_answer(string kind)
    {
        // Every CJK character is a term: 2,000 distinct ones, plus words the corpus has.
        var question = kind == "codes"
            ? CodesQuestion
            : "speculative decoding " + string.Concat(Enumerable.Range(0x4E00, 2_000).Select(c => (char)c));
        Assert.InRange(question.Length, 2_000, 4_000);

        var result = await ConsoleProcess.RunAsync(question, workingDirectory.Path, "ask", "-", "--json", "--retrieval-only");

        AssertAnswered(result);
    }

    [Fact]
    public async Task The_chat_joins_long_questions_into_its_search_query_without_error()
    {
        var result = await ConsoleProcess.RunAsync($"{CodesQuestion}\n{CodesQuestion}\nand speculative decoding?\n/exit\n", workingDirectory.Path, "--retrieval-only");

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.DoesNotContain("TooManyClauses", result.Output + result.Error, StringComparison.Ordinal);
        Assert.Equal(3, result.Output.Split("Extracted from the papers").Length - 1 + result.Output.Split("does not cover this question").Length - 1);
    }

    [Fact]
    public async Task A_long_question_is_answered_by_the_real_model()
    {
        var model = TestPaths.Stories;

        var result = await ConsoleProcess.RunAsync(CodesQuestion[..1_990] + " speculative decoding?", workingDirectory.Path, "ask", "-", "--json", "--model", model, LongQuestionContext);

        AssertAnswered(result);
    }

    [Fact]
    public async Task The_chat_with_the_real_model_rewrites_or_joins_long_follow_ups_without_error()
    {
        var model = TestPaths.Stories;

        var result = await ConsoleProcess.RunAsync($"{CodesQuestion}\n{CodesQuestion}\n/exit\n", workingDirectory.Path, "--model", model, LongQuestionContext);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.DoesNotContain("TooManyClauses", result.Output + result.Error, StringComparison.Ordinal);
        Assert.Equal(2, result.Output.Split("does not cover this question").Length - 1 + result.Output.Split("\nSources").Length - 1);
    }

    [Fact]
    public async Task The_bundled_embedders_truncation_warning_for_a_long_question_is_one_line_as_the_consoles_other_warnings()
    {
        // About 740 tokens: more than arctic-embed-xs's 512, so the question's embedding is truncated.
        var question = string.Concat(Enumerable.Repeat("speculative decoding ", 195))[..3_900];

        var result = await ConsoleProcess.RunAsync(question, workingDirectory.Path, "ask", "-", "--retrieval-only");

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Error.Split('\n');
        Assert.Contains(lines, line => line.StartsWith("warning: Embedding input of ", StringComparison.Ordinal) && line.Contains("truncated to the model's 512", StringComparison.Ordinal));
        Assert.DoesNotContain("warn: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.StartsWith("      ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_question_over_the_embedders_limit_is_warned_about_once()
    {
        // About 740 tokens, under the 4,000-character limit; the index built first, so the search embeds the question
        // as well as the quotes' similarity does.
        workingDirectory.Write("notes.md", "# Speculative decoding\n\nA draft model proposes tokens that the target model verifies in parallel.\n");
        var question = string.Concat(Enumerable.Repeat("speculative decoding draft model ", 125))[..3_990];
        string[] settings = ["--Corpus:Folder=.", $"--Corpus:CacheFolder={Path.Combine(workingDirectory.Path, "cache")}", "--retrieval-only"];
        Assert.Equal(0, (await ConsoleProcess.RunAsync(null, workingDirectory.Path, ["index", .. settings])).ExitCode);

        var result = await ConsoleProcess.RunAsync(question, workingDirectory.Path, ["ask", "-", .. settings]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(1, result.Error.Split('\n').Count(line => line.Contains("truncated to the model's 512", StringComparison.Ordinal)));
    }

    private static void AssertAnswered(ConsoleProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("TooManyClauses", result.Error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Output);
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("answer").GetString()));
    }
}
