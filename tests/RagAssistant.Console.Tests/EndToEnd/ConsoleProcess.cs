using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>Runs the built <c>ragassistant</c> as a child process with redirected stdin/stdout, like a user's pipe would.</summary>
internal static partial class ConsoleProcess
{
    private const string Script = "/usr/bin/script";

    /// <summary>Settings that keep generation short on the tiny test model (environment variables override appsettings.json).</summary>
    private static readonly Dictionary<string, string> FastModelSettings = new()
    {
        ["ChatModel__MaxTokens"] = "24",
        ["Answering__MaxAnswerTokens"] = "24",
        ["ChatModel__ContextSize"] = "1024",
        ["ChatModel__Threads"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        /// <summary>The bytes written to stdout, exactly (the redirected runs only).</summary>
        public byte[] OutputBytes { get; init; } = [];

        /// <summary>The bytes written to stderr, exactly (the redirected runs only).</summary>
        public byte[] ErrorBytes { get; init; } = [];

        /// <summary>What the pseudo-terminal received, escape sequences and carriage returns included (terminal runs only).</summary>
        public string Raw { get; init; } = string.Empty;
    }

    /// <summary>The built program's dll, as these runs start it (<c>dotnet PATH</c>).</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "ragassistant.dll");

    /// <summary>The command line a hint of the program started here names for <paramref name="arguments"/>: the dll it was run as, not the README's <c>dotnet run</c>.</summary>
    public static string Command(string arguments) => $"dotnet {Dll} {arguments}";

    public static Task<Result> RunAsync(string? stdin, string workingDirectory, params string[] args) =>
        RunWithEnvironmentAsync(new Dictionary<string, string>(), stdin, workingDirectory, args);

    /// <summary>Runs with extra environment variables (settings as <c>Section__Key</c>).</summary>
    public static async Task<Result> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, string? stdin, string workingDirectory, params string[] args)
    {
        var start = RedirectedStart(workingDirectory, args);

        return await RunAsync(start, environment, stdin);
    }

    /// <summary>
    /// Runs the program on a pseudo-terminal (util-linux <c>script</c>), interactive as for a person at the keyboard:
    /// each reply is typed, with Enter, once its prompt has appeared and the program reads keys. Skips the test where
    /// <c>script</c> is absent.
    /// </summary>
    /// <returns>The exit code, and everything the terminal showed with its escape sequences removed as the output.</returns>
    public static Task<Result> RunInTerminalAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, IReadOnlyList<(string Prompt, string Reply)> replies, params string[] args) =>
        RunInTerminalAsync(environment, workingDirectory, [.. replies.Select(r => (r.Prompt, r.Reply + "\r"))], TimeSpan.Zero, afterKeyRead: true, args);

    /// <summary>
    /// Runs the program on a pseudo-terminal and, once each prompt has appeared, presses its keys one at a time
    /// <paramref name="keyGap"/> apart (all at once for zero), with no Enter after them: a person's fast key presses,
    /// such as two Ctrl+C (<c>\u0003</c>) the moment a prompt shows.
    /// </summary>
    public static Task<Result> RunInTerminalAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, IReadOnlyList<(string Prompt, string Keys)> presses, TimeSpan keyGap, params string[] args) =>
        RunInTerminalAsync(environment, workingDirectory, presses, keyGap, afterKeyRead: false, args);

    // afterKeyRead: each press waits, after its prompt, until the program reads keys (see WaitForKeyReadAsync).
    private static async Task<Result> RunInTerminalAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, IReadOnlyList<(string Prompt, string Keys)> presses, TimeSpan keyGap, bool afterKeyRead, string[] args)
    {
        if (!File.Exists(Script))
        {
            Assert.Skip($"{Script} (util-linux) is needed to run the console on a pseudo-terminal.");
        }

        var start = new ProcessStartInfo(Script)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        var command = string.Join(' ', new[] { "dotnet", Dll }.Concat(args).Select(a => $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'"));
        foreach (var arg in new[] { "--quiet", "--return", "--command", command, "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Start(start, environment);
        var screen = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            {
                lock (screen)
                {
                    screen.Append(buffer, 0, read);
                }
            }
        }, TestContext.Current.CancellationToken);
        string Shown()
        {
            lock (screen)
            {
                return Plain(screen.ToString());
            }
        }

        try
        {
            var from = 0;
            foreach (var (prompt, keys) in presses)
            {
                var deadline = DateTime.UtcNow.AddMinutes(2);
                int at;
                while ((at = Shown().IndexOf(prompt, from, StringComparison.Ordinal)) < 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"'{prompt}' did not appear:\n{Shown()}");
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                from = at + prompt.Length;
                if (afterKeyRead)
                {
                    await WaitForKeyReadAsync(process, deadline, Shown);
                }

                foreach (var chunk in keyGap == TimeSpan.Zero ? [keys] : keys.Select(c => c.ToString()))
                {
                    await process.StandardInput.WriteAsync(chunk);
                    await process.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
                    await Task.Delay(keyGap, TestContext.Current.CancellationToken);
                }
            }

            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(6), TestContext.Current.CancellationToken);
            await reading;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string raw;
        lock (screen)
        {
            raw = screen.ToString();
        }

        return new Result(process.ExitCode, Shown(), await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)) { Raw = raw };
    }

    /// <summary>
    /// Waits until the program's terminal is out of canonical (line) mode: its first key read has begun. A prompt is on
    /// the screen a moment before that, and keys typed in that moment go to the terminal's line discipline, not the
    /// program: Ctrl+D there is an end-of-file mark the program later reads as a NUL, so "Ctrl+D, Enter" at the
    /// download question read as Enter alone, the default, yes (a failure seen under a load average of 16).
    /// </summary>
    /// <param name="script">The <c>script</c> process; its child's standard input is the terminal.</param>
    /// <param name="deadline">When to give up.</param>
    /// <param name="shown">What the terminal shows, for the failure message.</param>
    private static async Task WaitForKeyReadAsync(Process script, DateTime deadline, Func<string> shown)
    {
        var child = File.ReadAllText($"/proc/{script.Id}/task/{script.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var terminal = new FileInfo($"/proc/{child}/fd/0").LinkTarget;
        Assert.NotNull(terminal);
        while (!await ReadsKeysAsync(terminal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the program did not start reading keys on {terminal}:\n{shown()}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    // Whether the terminal's line discipline passes each key on as it comes (stty: -icanon).
    private static async Task<bool> ReadsKeysAsync(string terminal)
    {
        var start = new ProcessStartInfo("stty", ["-a", "-F", terminal]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var stty = Process.Start(start)!;
        var settings = await stty.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await stty.WaitForExitAsync(TestContext.Current.CancellationToken);
        return stty.ExitCode == 0 && settings.Split([' ', ';', '\n'], StringSplitOptions.RemoveEmptyEntries).Contains("-icanon");
    }

    /// <summary>
    /// Runs with stdin left open (a chat waiting at its prompt), and once stdout or stderr shows <paramref name="waitFor"/>
    /// sends SIGINT <paramref name="interrupts"/> times, as a person pressing Ctrl+C would; waits for the process to end.
    /// </summary>
    public static async Task<Result> RunInterruptedAsync(string workingDirectory, string waitFor, int interrupts, params string[] args)
    {
        var start = RedirectedStart(workingDirectory, args);

        using var process = Start(start, new Dictionary<string, string>());
        var output = new StringBuilder();
        var error = new StringBuilder();
        var shown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task ReadAsync(StreamReader stream, StringBuilder text) => Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            {
                lock (text)
                {
                    text.Append(buffer, 0, read);
                    if (text.ToString().Contains(waitFor, StringComparison.Ordinal))
                    {
                        shown.TrySetResult();
                    }
                }
            }
        });
        var reading = Task.WhenAll(ReadAsync(process.StandardOutput, output), ReadAsync(process.StandardError, error));
        try
        {
            await shown.Task.WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
            for (var i = 0; i < interrupts; i++)
            {
                using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
                }

                await Task.Delay(500, TestContext.Current.CancellationToken);
            }

            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
            await reading;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        lock (output)
        {
            lock (error)
            {
                return new Result(process.ExitCode, output.ToString(), error.ToString());
            }
        }
    }

    // The built program under dotnet, its standard streams redirected.
    private static ProcessStartInfo RedirectedStart(string workingDirectory, string[] args)
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
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static Process Start(ProcessStartInfo start, IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (key, value) in FastModelSettings.Concat(environment))
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    private static async Task<Result> RunAsync(ProcessStartInfo start, IReadOnlyDictionary<string, string> environment, string? stdin)
    {
        using var process = Start(start, environment);
        var output = ReadBytesAsync(process.StandardOutput.BaseStream);
        var error = ReadBytesAsync(process.StandardError.BaseStream);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(6), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var (outputBytes, errorBytes) = (await output, await error);
        return new Result(process.ExitCode, Encoding.UTF8.GetString(outputBytes), Encoding.UTF8.GetString(errorBytes)) { OutputBytes = outputBytes, ErrorBytes = errorBytes };
    }

    private static async Task<byte[]> ReadBytesAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, TestContext.Current.CancellationToken);
        return buffer.ToArray();
    }

    // What a person reads: escape sequences (colours, cursor moves, keypad mode) and carriage returns removed.
    private static string Plain(string terminalText) => EscapeSequence().Replace(terminalText, string.Empty).Replace("\r", string.Empty, StringComparison.Ordinal);

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[=>()][0-9A-Za-z]?)")]
    private static partial Regex EscapeSequence();
}
