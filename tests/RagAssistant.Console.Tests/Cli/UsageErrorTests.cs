using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.Cli;

/// <summary>What a mistyped command line tells a new user: the token that is wrong, what was expected, where the help is; exit code 2.</summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("ask --bogus hi", "ask")]
    [InlineData("ask hi --bogus", "ask")]
    [InlineData("ask --bogus=3 hi", "ask")]
    [InlineData("--bogus", "")]
    [InlineData("--retrieval-only --bogus", "")]
    [InlineData("index --bogus", "index")]
    [InlineData("eval --bogus --set SET", "eval")]
    [InlineData("models list --bogus", "models list")]
    [InlineData("models download --bogus", "models download")]
    public async Task An_unknown_option_is_named_with_the_help_of_its_command(string commandLine, string command)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, Arguments(commandLine));

        Assert.Equal(2, exitCode);
        var lines = cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var where = command.Length == 0 ? string.Empty : $" for '{command}'";
        Assert.Equal([$"error: unknown option '--bogus'{where}.", $"Run `dotnet run --project src/RagAssistant.Console -- {(command.Length == 0 ? string.Empty : command + " ")}--help` to see the valid options."], lines);
        Assert.Empty(cli.Pipeline.Requests);
        Assert.Equal(string.Empty, cli.Output);
    }

    [Theory]
    [InlineData("ask hi --topk 3", "unknown option '--topk' for 'ask'. Did you mean --top-k?")]
    [InlineData("ask hi --retrieval-onyl", "unknown option '--retrieval-onyl' for 'ask'. Did you mean --retrieval-only?")]
    [InlineData("--verbos", "unknown option '--verbos'. Did you mean --verbose?")]
    [InlineData("asks hi", "unknown command 'asks'. Did you mean ask?")]
    [InlineData("indx", "unknown command 'indx'. Did you mean index?")]
    [InlineData("models lsit", "unknown command 'lsit' of 'models'. Did you mean list?")]
    public async Task A_mistyped_option_or_command_gets_did_you_mean_like_a_mistyped_setting(string commandLine, string message)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, Arguments(commandLine));

        Assert.Equal(2, exitCode);
        Assert.Equal($"error: {message}", cli.Error.Split('\n')[0].Trim());
        Assert.Empty(cli.Pipeline.Requests);
    }

    [Theory]
    [InlineData("ask hi --top-k abc", "--top-k expects a whole number, got 'abc'.")]
    [InlineData("ask hi --top-k 2.5", "--top-k expects a whole number, got '2.5'.")]
    [InlineData("ask hi --top-k 99999999999", "--top-k expects a whole number, got '99999999999'.")]
    [InlineData("eval --set SET --retriever foo", "--retriever expects one of bm25, dense, hybrid, got 'foo'.")]
    public async Task A_value_that_does_not_convert_says_what_the_option_expects_not_a_type_name(string commandLine, string message)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, Arguments(commandLine));

        Assert.Equal(2, exitCode);
        Assert.Contains($"error: {message}", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("RagAssistant.Core", cli.Error, StringComparison.Ordinal);
        Assert.Contains("--help` to see the valid options.", cli.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("21")]
    public async Task A_top_k_out_of_range_names_the_option_typed_and_the_range(string topK)
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.RunAsync(string.Empty, "ask", "question", "--top-k", topK));

        // The one range wording, as for settings and the API: "must be between 1 and 20, got 0."
        Assert.Equal(
            [$"error: --top-k must be between 1 and 20, got {topK}. The limit is Ask:MaxTopK.", "Run `dotnet run --project src/RagAssistant.Console -- ask --help` to see the valid options."],
            cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("top_k", cli.Error, StringComparison.Ordinal);
        Assert.Empty(cli.Pipeline.Requests);
    }

    // "MISSING" stands for a path that does not exist, "FOLDER" for a folder that is not a model file (a missing --model
    // file is checked with the real model composition: RealRuntimeTests).
    [Theory]
    [InlineData("ask hi --bogus", "ask")]
    [InlineData("ask hi --top-k abc", "ask")]
    [InlineData("ask hi --top-k 0", "ask")]
    [InlineData("ask hi --conversation nosuch", "ask")]
    [InlineData("ask hi --corpus MISSING", "ask")]
    [InlineData("ask hi --model FOLDER", "ask")]
    [InlineData("--corpus MISSING", "")]
    [InlineData("--Bogus:Key=1", "")]
    [InlineData("eval --set MISSING", "eval")]
    [InlineData("models download nosuch", "models download")]
    public async Task Every_usage_error_ends_with_the_one_help_line_of_its_command(string commandLine, string command)
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.RunAsync(string.Empty, Arguments(commandLine)));

        // Whoever found the error (the parser, a command's check of a value, a path that does not exist): an
        // "error:" line, then the same closing line, once.
        var lines = cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Equal($"Run `dotnet run --project src/RagAssistant.Console -- {(command.Length == 0 ? string.Empty : command + " ")}--help` to see the valid options.", lines[^1]);
        Assert.Single(lines, line => line.Contains("--help", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configuration_error_keeps_its_own_closing_line_not_the_help_one()
    {
        var cli = new CliHarness { ComposeRetrieval = b => b.Services.AddRagRetrieval(b.Configuration) };
        cli.Configuration["Corpus:Folder"] = folder.File("missing");

        Assert.Equal(1, await cli.RunAsync(string.Empty, "ask", "hi"));

        Assert.Contains("error: invalid configuration: ", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--help", cli.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Ask:MaxQuestionChars=20")]
    [InlineData("--Ask:MaxQuestionChars 20")]
    public async Task A_section_key_setting_on_the_command_line_reaches_the_configuration(string setting)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, ["ask", "a question longer than twenty characters", .. setting.Split(' ')]);

        Assert.Equal(2, exitCode);
        Assert.Contains("the limit is 20 (Ask:MaxQuestionChars)", cli.Error, StringComparison.Ordinal);
        Assert.Empty(cli.Pipeline.Requests);
    }

    [Theory]
    [InlineData("error: unknown setting Bogus:Key on the command line: no part of the assistant reads it.", "ask", "hi", "--Bogus:Key=1")]
    [InlineData("error: the question is empty: give it in quotes", "ask", "")]
    [InlineData("error: required argument missing for command: 'ask'.", "ask")]
    [InlineData("error: --Retrieval:TopK needs a value", "ask", "hi", "--Retrieval:TopK")]
    [InlineData("error: the question is one argument: put it in quotes, e.g. ", "ask", "what", "is", "lora")]
    public async Task Every_usage_error_reads_in_one_style_after_one_prefix(string start, params string[] args)
    {
        // The console's own messages, System.CommandLine's and a setting's: "error: " then the message in lower case,
        // a name such as Retrieval:TopK kept as written.
        var cli = new CliHarness();

        Assert.Equal(2, await cli.RunAsync(string.Empty, args));

        Assert.StartsWith(start, cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Error:", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_question_typed_without_quotes_is_shown_back_in_quotes()
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.RunAsync(string.Empty, "ask", "what", "is", "lora", "--json"));

        Assert.Contains("ask \"what is lora\"", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("unrecognized", cli.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(cli.Pipeline.Requests);
    }

    [Fact]
    public async Task A_setting_does_not_let_an_unknown_option_through()
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.RunAsync(string.Empty, "ask", "question", "--Ask:MaxTopK=5", "--bogus"));

        Assert.Contains("error: unknown option '--bogus' for 'ask'.", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_setting_without_a_value_is_bad_usage()
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.RunAsync(string.Empty, "ask", "question", "--Retrieval:TopK"));

        Assert.Contains("error: --Retrieval:TopK needs a value, e.g. --Retrieval:TopK=VALUE.", cli.Error, StringComparison.Ordinal);
        Assert.Empty(cli.Pipeline.Requests);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--Ask:MaxTopK=5")]
    public async Task After_a_double_dash_an_option_shaped_question_is_the_question(string question)
    {
        var cli = new CliHarness();

        Assert.Equal(0, await cli.RunAsync(string.Empty, "ask", "--json", "--", question));

        Assert.Equal(question, Assert.Single(cli.Pipeline.Requests).Question);
    }

    // "SET" stands for an existing question-set file, so that only the error under test is reported.
    [Theory]
    [InlineData("help", "--help")]
    [InlineData("help ask", "ask --help")]
    [InlineData("models help", "models --help")]
    [InlineData("--corpus data/papers help", "--corpus data/papers --help")]
    public async Task The_word_help_where_a_command_goes_shows_the_help_as_help_the_option_does(string commandLine, string option)
    {
        var asWord = new CliHarness();
        var asOption = new CliHarness();

        var exitCode = await asWord.RunAsync(string.Empty, Arguments(commandLine));
        await asOption.RunAsync(string.Empty, Arguments(option));

        Assert.True(exitCode == 0, asWord.Error);
        Assert.Equal(string.Empty, asWord.Error);
        Assert.Contains("Usage:", asWord.Output, StringComparison.Ordinal);
        Assert.Equal(asOption.Output, asWord.Output);
        Assert.Empty(asWord.Pipeline.Requests);
    }

    [Fact]
    public async Task A_question_that_is_the_word_help_is_still_a_question()
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, "ask", "help");

        Assert.True(exitCode == 0, cli.Error);
        Assert.Equal("help", Assert.Single(cli.Pipeline.Requests).Question);
    }

    private string[] Arguments(string commandLine) =>
        [.. commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a switch
        {
            "SET" => folder.Write("set.jsonl", "{}\n"),
            "MISSING" => folder.File("missing"),
            "FOLDER" => Directory.CreateDirectory(folder.File("models")).FullName,
            _ => a,
        })];
}
