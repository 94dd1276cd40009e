using System.Diagnostics;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>A hint names the command the way the user started the console: the built dll, or the executable, not the README's <c>dotnet run</c>.</summary>
[Trait("Category", "EndToEnd")]
public sealed class HintCommandTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task Run_as_a_dll_elsewhere_the_hint_names_the_dlls_full_path()
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "--bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"Run `dotnet {ConsoleProcess.Dll} --help` to see the valid options.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet run", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_as_a_dll_below_the_working_directory_the_hint_names_it_as_typed_from_there()
    {
        var above = Path.GetDirectoryName(Path.GetDirectoryName(ConsoleProcess.Dll))!;

        var result = await ConsoleProcess.RunAsync(null, above, "ask", "--bogus");

        Assert.Equal(2, result.ExitCode);
        var relative = Path.GetRelativePath(above, ConsoleProcess.Dll);
        Assert.Contains($"Run `dotnet {relative} ask --help` to see the valid options.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_as_a_dll_elsewhere_the_download_hint_names_the_dll_and_no_folder_to_run_it_from()
    {
        workingDirectory.Write("notes.md", "# LoRA\n\nLow-rank adaptation fine-tunes large models cheaply.\n");
        var absent = Path.Combine(workingDirectory.Path, "absent.gguf");

        var result = await ConsoleProcess.RunAsync("What is LoRA?\n", workingDirectory.Path, "--Corpus:Folder=.", "--EmbeddingModel:Provider=None", $"--ChatModel:ModelPath={absent}");

        var said = result.Output + result.Error;
        Assert.Contains($"Fetch it with `dotnet {ConsoleProcess.Dll} models download chat` (or", said, StringComparison.Ordinal);
        Assert.DoesNotContain("from the repository root", said, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--model", "chat")]
    [InlineData("--embedding-model", "embedding")]
    public async Task Run_as_a_dll_a_model_file_that_is_no_model_names_the_dlls_download_command(string option, string role)
    {
        workingDirectory.Write("notes.md", "# LoRA\n\nLow-rank adaptation fine-tunes large models cheaply.\n");
        var bad = workingDirectory.Write("bad.gguf", "this is not a model\n");

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "What is LoRA?", "--Corpus:Folder=.", option, bad);

        Assert.Equal(1, result.ExitCode);
        var said = result.Output + result.Error;
        Assert.Contains($"model file '{bad}' is not a GGUF file", said, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"download the default one with `dotnet {ConsoleProcess.Dll} models download {role}` (see the README), or point {option} / ", said, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet run", said, StringComparison.Ordinal);
        Assert.DoesNotContain("from the repository root", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_as_a_dll_help_names_the_dll_in_its_usage_lines_and_no_line_ends_in_white_space()
    {
        var root = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "help");
        var ask = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "--help");

        Assert.True(root.ExitCode == 0, root.Error);
        Assert.Contains($"Usage:\n  dotnet {ConsoleProcess.Dll} [command] [options]\n", root.Output, StringComparison.Ordinal);
        Assert.Contains($"Usage:\n  dotnet {ConsoleProcess.Dll} ask <question> [options]\n", ask.Output, StringComparison.Ordinal);
        Assert.Contains("  ask <question>  Answer one question and exit.", root.Output, StringComparison.Ordinal); // only the usage lines change
        foreach (var line in (root.Output + ask.Output).Split('\n'))
        {
            Assert.Equal(line.TrimEnd(), line);
        }
    }

    [Fact]
    public async Task The_chats_help_has_no_line_ending_in_white_space()
    {
        workingDirectory.Write("notes.md", "# LoRA\n\nLow-rank adaptation fine-tunes large models cheaply.\n");

        var result = await ConsoleProcess.RunAsync("help\n", workingDirectory.Path, "--Corpus:Folder=.", "--EmbeddingModel:Provider=None", "--retrieval-only");

        Assert.True(result.ExitCode == 0, result.Error);
        var rows = result.Output.Split('\n').Where(line => line.StartsWith('/')).ToList();
        Assert.Contains(rows, row => row.StartsWith("/sources ", StringComparison.Ordinal));
        Assert.True(rows.Count >= 5, result.Output);
        Assert.All(rows, row => Assert.Equal(row.TrimEnd(), row));
        var column = rows[0].IndexOf(" this list", StringComparison.Ordinal);
        Assert.All(rows, row => Assert.True(row[column] == ' ' && row[column + 1] != ' ', row)); // still in columns
    }

    [Fact]
    public async Task Run_as_the_executable_the_hint_names_the_executable()
    {
        var executable = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "ragassistant.exe" : "ragassistant");
        Assert.SkipUnless(File.Exists(executable), "the build made no executable (UseAppHost=false)");
        var start = new ProcessStartInfo(executable, ["--bogus"])
        {
            WorkingDirectory = workingDirectory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PATH"] = "/usr/bin:/bin"; // not the build folder

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains($"Run `{executable} --help` to see the valid options.", error, StringComparison.Ordinal);

        // On PATH, its name alone.
        start.Environment["PATH"] = $"{AppContext.BaseDirectory}:/usr/bin:/bin";
        using var onPath = Process.Start(start)!;
        var named = await onPath.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await onPath.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Contains("Run `ragassistant --help` to see the valid options.", named, StringComparison.Ordinal);
    }
}
