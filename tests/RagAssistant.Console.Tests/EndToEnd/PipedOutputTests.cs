using System.Text.RegularExpressions;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>Output to a pipe is not wrapped at the 80 columns Spectre assumes when there is no terminal.</summary>
[Trait("Category", "EndToEnd")]
public sealed class PipedOutputTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Models_list_keeps_every_name_and_path_on_one_line()
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "models", "list");

        Assert.True(result.ExitCode == 0, result.Error);
        foreach (var name in new[] { "qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct", "bge-small-en-v1.5" })
        {
            var row = Assert.Single(result.Output.Split('\n'), line => line.Contains($" {name} ", StringComparison.Ordinal));
            Assert.Matches(new Regex(@"/\S+\.gguf"), row);
        }
    }
}
