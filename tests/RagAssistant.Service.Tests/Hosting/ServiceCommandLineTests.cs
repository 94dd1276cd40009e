using RagAssistant.Hosting;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class ServiceCommandLineTests
{
    [Fact]
    public void Assistant_options_are_taken_off_and_the_rest_is_left_to_aspnet()
    {
        Assert.True(ServiceCommandLine.TryParse(
            ["--retrieval-only", "--urls", "http://127.0.0.1:6000", "--model", "m.gguf", "--corpus=papers", "--Service:MaxQueuedAnswers=3"],
            out var commandLine,
            out var error));

        Assert.Null(error);
        Assert.Equal(["--urls", "http://127.0.0.1:6000", "--Service:MaxQueuedAnswers=3"], commandLine.HostArguments);
        Assert.True(commandLine.Overrides.RetrievalOnly);
        Assert.Equal(Path.GetFullPath("m.gguf"), commandLine.Overrides.ModelPath);
        Assert.Equal(Path.GetFullPath("papers"), commandLine.Overrides.CorpusFolder);
        Assert.Contains(commandLine.Overrides.ToConfiguration(), kv => kv.Key == CommandLineOverrides.ChatModelPathKey && kv.Value == Path.GetFullPath("m.gguf"));
    }

    [Fact]
    public void A_missing_value_is_an_error_that_names_the_option()
    {
        Assert.False(ServiceCommandLine.TryParse(["--embedding-model", "--urls", "x"], out _, out var error));
        Assert.Contains("--embedding-model needs a value", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_is_recognised_and_nothing_else_is_required()
    {
        Assert.True(ServiceCommandLine.TryParse(["-h"], out var commandLine, out _));
        Assert.True(commandLine.ShowHelp);
        Assert.True(ServiceCommandLine.TryParse([], out var none, out _));
        Assert.False(none.ShowHelp);
        Assert.Empty(none.HostArguments);
        Assert.Empty(none.Overrides.ToConfiguration());
    }

    [Fact]
    public void The_service_and_the_console_share_one_definition_of_the_options()
    {
        var shared = new AssistantCommandLineOptions();
        Assert.Equal(["--model", "--embedding-model", "--corpus", "--retrieval-only"], shared.All.Select(o => o.Name));
        Assert.Equal("--retrieval-only", ServiceCommandLine.Usage.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("--retrieval-only", StringComparison.Ordinal)).Split(' ')[0]);
    }
}
