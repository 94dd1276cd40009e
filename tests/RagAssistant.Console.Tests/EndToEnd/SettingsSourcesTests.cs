using System.Text.Json;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>
/// Where the real console takes its settings from, as the service does: appsettings.json by the rule of the relative
/// paths (the working directory's first, never a stale copy beside the program), its names checked like the command
/// line's, and those of the environment's variables of the program's own sections.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SettingsSourcesTests : IDisposable
{
    private const string Question = "How does speculative decoding speed up inference?";

    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task The_settings_file_of_the_working_directory_is_the_one_read()
    {
        workingDirectory.Write("appsettings.json", """{ "Retrieval": { "TopK": 2 }, "EmbeddingModel": { "Provider": "None" } }""");

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", Question, "--json", "--retrieval-only");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(2, json.RootElement.GetProperty("sources").GetArrayLength());
    }

    [Fact]
    public async Task A_bad_value_in_the_working_directorys_settings_file_is_refused_as_the_service_refuses_it()
    {
        workingDirectory.Write("appsettings.json", """{ "Retrieval": { "TopK": 0 } }""");

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", Question, "--retrieval-only");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: invalid configuration: Retrieval:TopK must be between 1 and 100, got 0.", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Theory]
    [InlineData("""{ "Retreival": { "TopK": 3 } }""", "Retreival:TopK", "Retrieval:TopK")]
    [InlineData("""{ "Retrieval": { "TopKK": 3 } }""", "Retrieval:TopKK", "Retrieval:TopK")]
    [InlineData("""{ "ChatModel": { "Thread": 2 } }""", "ChatModel:Thread", "ChatModel:Threads")]
    public async Task A_mistyped_name_in_the_settings_file_is_bad_usage_naming_the_file(string settings, string key, string suggestion)
    {
        var file = workingDirectory.Write("appsettings.json", settings);

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", Question, "--retrieval-only");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: unknown setting {key} in {file}: no part of the assistant reads it. Did you mean {suggestion}?", result.Error.Trim());
    }

    [Theory]
    [InlineData("Retrieval__TopKK", "Retrieval:TopKK", "Retrieval:TopK")]
    [InlineData("Retreival__TopK", "Retreival:TopK", "Retrieval:TopK")]
    [InlineData("EmbeddingModel__Bundled__Threadz", "EmbeddingModel:Bundled:Threadz", "EmbeddingModel:Bundled:Threads")]
    public async Task A_mistyped_name_in_the_environment_is_bad_usage_naming_the_variable(string variable, string key, string suggestion)
    {
        var result = await ConsoleProcess.RunWithEnvironmentAsync(new Dictionary<string, string> { [variable] = "3" }, null, workingDirectory.Path, "ask", Question, "--retrieval-only");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: unknown setting {key} in the environment ({variable}): no part of the assistant reads it. Did you mean {suggestion}?", result.Error.Trim());
    }

    [Fact]
    public async Task Variables_of_other_programs_and_of_the_services_section_are_left_alone()
    {
        var environment = new Dictionary<string, string>
        {
            ["Service__WatchCorpus"] = "false",
            ["SOME_TOOL__SETTING"] = "1",
            ["Retrieval__TopK"] = "1",
        };

        var result = await ConsoleProcess.RunWithEnvironmentAsync(environment, null, workingDirectory.Path, "ask", Question, "--json", "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(1, json.RootElement.GetProperty("sources").GetArrayLength());
    }

    [Theory]
    [InlineData("ChatModel:Threads", "--model", "{stories}")]
    [InlineData("EmbeddingModel:Bundled:Threads", "--retrieval-only")]
    [InlineData("EmbeddingModel:Threads", "--retrieval-only", "--EmbeddingModel:Provider=Gguf", "--embedding-model", "{stories}")]
    public async Task A_negative_thread_count_is_refused_with_the_range_not_run_on_the_default(string setting, params string[] arguments)
    {
        var stories = TestPaths.Stories;
        string[] args = ["ask", Question, .. arguments.Select(a => a.Replace("{stories}", stories, StringComparison.Ordinal)), $"--{setting}=-1"];

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, args);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: invalid configuration: {setting} must be between 0 and 1024, got -1.", result.Error, StringComparison.Ordinal);
    }
}
