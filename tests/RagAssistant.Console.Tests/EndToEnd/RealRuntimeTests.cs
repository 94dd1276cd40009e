using System.Text.Json;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>
/// The real program on the real llama.cpp runtime with shared/models/stories260K.gguf: its answers are nonsense,
/// but model loading, retrieval, prompt packing, streaming and rendering are all real.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RealRuntimeTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Ask_json_returns_a_well_formed_result_with_sources()
    {
        var model = TestPaths.Stories;

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "How does speculative decoding speed up inference?", "--json", "--model", model);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal("generated", root.GetProperty("mode").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("answer").GetString()));
        Assert.True(root.GetProperty("sources").GetArrayLength() > 0);
        Assert.Contains("Speculative", root.GetProperty("sources")[0].GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
        var usage = root.GetProperty("usage");
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 1, 24);
        Assert.InRange(usage.GetProperty("prompt_tokens").GetInt32() + 24, 1, 1024);
        Assert.True(root.GetProperty("timings_ms").GetProperty("total").GetDouble() > 0);
        foreach (var citation in root.GetProperty("citations").EnumerateArray())
        {
            var n = citation.GetProperty("n").GetInt32();
            Assert.Contains(root.GetProperty("sources").EnumerateArray(), s => s.GetProperty("n").GetInt32() == n);
        }
    }

    [Fact]
    public async Task The_chat_driven_through_stdin_streams_an_answer_and_sources_then_exits_0()
    {
        var model = TestPaths.Stories;

        var result = await ConsoleProcess.RunAsync("Which papers study speculative decoding?\n/model\n/exit\n", workingDirectory.Path, "--model", model);

        Assert.True(result.ExitCode == 0, result.Error);
        var output = result.Output;
        Assert.Contains("stories260K.gguf", output, StringComparison.Ordinal);
        var question = output.IndexOf("> Which papers study speculative decoding?", StringComparison.Ordinal);
        var sources = output.IndexOf("Sources", question + 1, StringComparison.Ordinal);
        Assert.True(question >= 0 && sources > question, output);
        Assert.Contains("backend:   cpu", output, StringComparison.Ordinal);
        Assert.Contains("> /exit", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_100_kB_question_is_refused_with_an_actionable_message_and_exit_code_2()
    {
        var model = TestPaths.Stories;
        var question = string.Concat(Enumerable.Repeat("Как работает спекулятивное декодирование? ", 2500))[..100_000];

        var result = await ConsoleProcess.RunAsync(question, workingDirectory.Path, "ask", "-", "--json", "--model", model);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("100,000 characters", result.Error, StringComparison.Ordinal);
        Assert.Contains("Ask:MaxQuestionChars", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task A_question_in_another_script_is_answered_within_the_context()
    {
        var model = TestPaths.Stories;

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "推测解码如何加速大型语言模型的推理？", "--json", "--model", model);

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var usage = json.RootElement.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32() <= 1024);
    }

    [Fact]
    public async Task A_model_file_that_is_not_gguf_fails_with_exit_code_1_and_a_clear_message()
    {
        var bad = Path.Combine(workingDirectory.Path, "not-a-model.gguf");
        await File.WriteAllTextAsync(bad, "<html>this is an error page, not a model</html>", TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "question", "--model", bad);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not-a-model.gguf", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ask", "question")]
    [InlineData("models", "list")]
    [InlineData("index")]
    public async Task A_missing_model_file_is_bad_usage_said_once_exit_2_naming_the_path_and_the_setting_to_fall_back_on(params string[] command)
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, [.. command, "--model", "no-such-model.gguf"]);

        // A usage error (exit 2 by the README's table), in one line: the path, the option, the fix; then the line
        // every usage error ends with.
        Assert.Equal(2, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        var error = lines[0];
        Assert.EndsWith("--help` to see the valid options.", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("error: the chat model file ", error, StringComparison.Ordinal);
        Assert.Contains("no-such-model.gguf (from --model) does not exist", error, StringComparison.Ordinal);
        Assert.Contains("leave out --model to use ChatModel:ModelPath", error, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid configuration", error, StringComparison.Ordinal);
    }
}
