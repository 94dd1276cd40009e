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
        Assert.Equal("m.gguf", commandLine.Overrides.ModelPath);
        Assert.Equal("papers", commandLine.Overrides.CorpusFolder);
        Assert.Contains(commandLine.Overrides.ToConfiguration(), kv => kv.Key == CommandLineOverrides.ChatModelPathKey && kv.Value == Path.GetFullPath("m.gguf"));
    }

    [Fact]
    public void A_missing_value_is_an_error_that_names_the_option()
    {
        Assert.False(ServiceCommandLine.TryParse(["--embedding-model", "--urls", "x"], out _, out var error));
        Assert.Contains("--embedding-model needs a value", error, StringComparison.Ordinal);
    }
}
