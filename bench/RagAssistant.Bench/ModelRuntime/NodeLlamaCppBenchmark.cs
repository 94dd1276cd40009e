using System.Diagnostics;
using System.Text.Json;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>
/// Runs <c>NodeLlamaCpp/bench.mjs</c> with node-llama-cpp 3.22.1 (same llama.cpp build as the binding), installing it
/// into <c>bench/node/</c> from the committed manifest on first use.
/// </summary>
internal static class NodeLlamaCppBenchmark
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<NodeLlamaCppResult> RunAsync(ModelBenchmarkSettings settings, string modelPath, int promptTokens, string text, TextWriter log, CancellationToken cancellationToken)
    {
        string folder = await EnsureInstalledAsync(log, cancellationToken);
        string arguments = JsonSerializer.Serialize(new
        {
            model = modelPath,
            threads = settings.Threads,
            promptTokens,
            tokens = settings.Tokens,
            runs = settings.Runs,
            text,
            contextSize = settings.ContextSize,
            batchSize = settings.BatchSize,
        });

        log.WriteLine("node-llama-cpp: warm-up and runs ...");
        (int exitCode, string output, string errors) = await RunProcessAsync("node", ["bench.mjs", arguments], folder, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"node-llama-cpp benchmark failed (exit {exitCode}): {errors.Trim()}");
        }

        string line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{'));
        return JsonSerializer.Deserialize<NodeLlamaCppResult>(line, Json)
            ?? throw new InvalidOperationException($"Unexpected node-llama-cpp output: {line}");
    }

    private static async Task<string> EnsureInstalledAsync(TextWriter log, CancellationToken cancellationToken)
    {
        string folder = BenchPaths.NodeInstall;
        Directory.CreateDirectory(folder);
        foreach (string file in new[] { "package.json", "package-lock.json", "bench.mjs" })
        {
            File.Copy(Path.Combine(BenchPaths.NodeManifest, file), Path.Combine(folder, file), overwrite: true);
        }

        if (File.Exists(Path.Combine(folder, "node_modules", "node-llama-cpp", "package.json"))
            && File.Exists(Path.Combine(folder, "node_modules", "@node-llama-cpp", "linux-x64", "package.json")))
        {
            return folder;
        }

        // npm install rather than npm ci: the lock pins every version, but node-llama-cpp's optional binaries for
        // other platforms are not on every registry mirror, which npm ci treats as an out-of-sync lock file.
        // --ignore-scripts skips node-llama-cpp's postinstall (it would try to download or build llama.cpp).
        log.WriteLine($"node-llama-cpp: installing 3.22.1 into {folder} (once) ...");
        (int exitCode, _, string errors) = await RunProcessAsync(
            "npm", ["install", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save"], folder, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"npm install of node-llama-cpp failed (exit {exitCode}); needs Node.js 20+ and npm: {errors.Trim()}");
        }

        return folder;
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunProcessAsync(string program, IEnumerable<string> arguments, string folder, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await errors);
    }
}
