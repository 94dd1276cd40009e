using System.Diagnostics;
using System.Text;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>Runs the built <c>ragassistant</c> as a child process with redirected stdin/stdout, like a user's pipe would.</summary>
internal static class ConsoleProcess
{
    /// <summary>Settings that keep generation short on the tiny test model (environment variables override appsettings.json).</summary>
    private static readonly Dictionary<string, string> FastModelSettings = new()
    {
        ["ChatModel__MaxTokens"] = "24",
        ["Answering__MaxAnswerTokens"] = "24",
        ["ChatModel__ContextSize"] = "1024",
        ["ChatModel__Threads"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public sealed record Result(int ExitCode, string Output, string Error);

    public static Task<Result> RunAsync(string? stdin, string workingDirectory, params string[] args) =>
        RunWithEnvironmentAsync(new Dictionary<string, string>(), stdin, workingDirectory, args);

    /// <summary>Runs with extra environment variables (settings as <c>Section__Key</c>).</summary>
    public static async Task<Result> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, string? stdin, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ragassistant.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in FastModelSettings.Concat(environment))
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
