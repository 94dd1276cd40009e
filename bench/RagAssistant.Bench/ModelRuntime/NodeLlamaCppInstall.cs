using System.Diagnostics;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>Copies the committed node-llama-cpp manifest and script into <c>bench/node/</c> and installs the packages once.</summary>
internal static class NodeLlamaCppInstall
{
    public static async Task<string> EnsureAsync(TextWriter log, CancellationToken cancellationToken)
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
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "install", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm (Node.js 20+ and npm are needed for --node).");
        Task<string> output = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> errors = npm.StandardError.ReadToEndAsync(cancellationToken);
        await npm.WaitForExitAsync(cancellationToken);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install of node-llama-cpp failed (exit {npm.ExitCode}): {(await errors).Trim()} {(await output).Trim()}");
        }

        return folder;
    }
}
