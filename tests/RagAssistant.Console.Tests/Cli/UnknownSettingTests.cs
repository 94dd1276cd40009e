using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.Cli;

/// <summary>A <c>--Section:Key=value</c> setting that nothing reads is refused, not silently ignored.</summary>
public sealed class UnknownSettingTests
{
    [Fact]
    public async Task A_setting_no_options_class_binds_is_bad_usage()
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, "ask", "x", "--Bogus:Key=1");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: unknown setting Bogus:Key on the command line: no part of the assistant reads it.", cli.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, cli.Output);
    }

    [Theory]
    [InlineData("--Service:WatchCorpus=maybe")]
    [InlineData("--Service:WatchCorpus=true")]
    public async Task A_setting_of_the_service_is_refused_as_one_the_console_does_not_read(string setting)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, "ask", "x", setting);

        Assert.Equal(2, exitCode);
        Assert.Equal(
            ["error: the console does not read Service: settings, the service does: give --Service:WatchCorpus to the service, or leave it out here.", "Run `dotnet run --project src/RagAssistant.Console -- ask --help` to see the valid options."],
            cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Empty(cli.Pipeline.Requests);
    }

    [Fact]
    public async Task A_misspelt_key_gets_the_closest_known_one()
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, "ask", "x", "--Retrieval:TopKK", "3");

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown setting Retrieval:TopKK on the command line: no part of the assistant reads it. Did you mean Retrieval:TopK?", cli.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Retrieval:TopK=3")]
    [InlineData("--retrieval:topk=3")]
    [InlineData("--Retrieval:Bm25:K1=1.1")]
    [InlineData("--Logging:LogLevel:RagAssistant=Warning")]
    [InlineData("--Assistant:RetrievalOnly=false")]
    [InlineData("--ChatModel:Provider=LlamaSharp")]
    [InlineData("--EmbeddingModel:Bundled:Threads=1")]
    [InlineData("--Answering:MinRelevance=0.2")]
    [InlineData("--Models:Folder=models")]
    public async Task A_setting_the_assistant_reads_runs(string setting)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, "ask", "x", setting);

        Assert.True(exitCode == 0, cli.Error);
    }

    [Fact]
    public async Task An_environment_variable_is_not_checked()
    {
        Environment.SetEnvironmentVariable("Bogus__FromEnvironment", "1");
        try
        {
            var cli = new CliHarness();

            Assert.Equal(0, await cli.RunAsync(string.Empty, "ask", "x"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("Bogus__FromEnvironment", null);
        }
    }
}
