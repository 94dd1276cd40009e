using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>
/// The real service takes its settings as the console does: appsettings.json of the working directory first, its names
/// and those of the environment checked like the command line's, thread counts refused out of range.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SettingsSourcesProcessTests
{
    [Fact]
    public async Task A_bad_value_in_the_working_directorys_settings_file_is_refused_as_the_console_refuses_it()
    {
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", """{ "Retrieval": { "TopK": 0 } }""");
        await using var process = ServiceProcess.StartIn(folder.Path, "--retrieval-only", "--Service:WatchCorpus=false");

        await AssertRefusedAsync(process, 1, "Retrieval:TopK must be between 1 and 100, got 0.");
    }

    [Theory]
    [InlineData("""{ "Retreival": { "TopK": 3 } }""", "Retreival:TopK", "Retrieval:TopK")]
    [InlineData("""{ "Service": { "MaxConcurentAnswers": 2 } }""", "Service:MaxConcurentAnswers", "Service:MaxConcurrentAnswers")]
    [InlineData("""{ "Servce": { "WatchCorpus": false } }""", "Servce:WatchCorpus", "Service:WatchCorpus")]
    public async Task A_mistyped_name_in_the_settings_file_exits_2_naming_the_file(string settings, string key, string suggestion)
    {
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        var file = folder.Write("appsettings.json", settings);
        await using var process = ServiceProcess.StartIn(folder.Path, "--retrieval-only", "--Service:WatchCorpus=false");

        await AssertRefusedAsync(process, 2, $"unknown setting {key} in {file}: no part of the assistant reads it. Did you mean {suggestion}?");
    }

    [Theory]
    [InlineData("Retrieval__TopKK", "Retrieval:TopKK", "Retrieval:TopK")]
    [InlineData("Retreival__TopK", "Retreival:TopK", "Retrieval:TopK")]
    [InlineData("Service__MaxConcurentAnswers", "Service:MaxConcurentAnswers", "Service:MaxConcurrentAnswers")]
    public async Task A_mistyped_name_in_the_environment_exits_2_naming_the_variable(string variable, string key, string suggestion)
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.StartWithEnvironment(new Dictionary<string, string> { [variable] = "3" }, "--retrieval-only", "--Service:WatchCorpus=false");

        await AssertRefusedAsync(process, 2, $"unknown setting {key} in the environment ({variable}): no part of the assistant reads it. Did you mean {suggestion}?");
    }

    [Fact]
    public async Task A_negative_chat_model_thread_count_exits_1_with_the_range()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--model", TestPaths.Stories, "--ChatModel:Threads=-1", "--Service:WatchCorpus=false");

        await AssertRefusedAsync(process, 1, "ChatModel:Threads must be between 0 and 1024, got -1.");
    }

    private static async Task AssertRefusedAsync(ServiceProcess process, int exitCode, string message)
    {
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal($"The service cannot start: {message}", process.Output.Trim());
        Assert.Equal(exitCode, process.ExitCode);
    }
}
