using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>
/// A running <c>NodeLlamaCpp/bench.mjs</c> (node-llama-cpp 3.22.1, the same llama.cpp build as the binding) that
/// measures one run per request, so its runs can be interleaved with the C# runs. Installs node-llama-cpp into
/// <c>bench/node/</c> from the committed manifest on first use.
/// </summary>
internal sealed class NodeLlamaCppSession : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private NodeLlamaCppSession(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>Installs node-llama-cpp if needed, starts the script and waits until it has loaded the model and warmed up.</summary>
    public static async Task<NodeLlamaCppSession> StartAsync(ModelBenchmarkSettings settings, string modelPath, TextWriter log, CancellationToken cancellationToken)
    {
        string folder = await NodeLlamaCppInstall.EnsureAsync(log, cancellationToken);
        string arguments = JsonSerializer.Serialize(new
        {
            model = modelPath,
            threads = settings.Threads,
            contextSize = settings.ContextSize,
            batchSize = settings.BatchSize,
        });

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("bench.mjs");
        start.ArgumentList.Add(arguments);

        log.WriteLine("node-llama-cpp: loading and warm-up ...");
        var session = new NodeLlamaCppSession(Process.Start(start) ?? throw new InvalidOperationException("Could not start node."));
        await session.ReadJsonLineAsync(cancellationToken);
        return session;
    }

    public async Task<NodeLlamaCppRun> RunAsync(string text, int promptTokens, int tokens, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new { text, promptTokens, tokens }).AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
        return (await ReadJsonLineAsync(cancellationToken)).Deserialize<NodeLlamaCppRun>(Json)
            ?? throw new InvalidOperationException("node-llama-cpp returned an empty result.");
    }

    /// <summary>Ends the script and returns node-llama-cpp's version and the node process's peak RSS.</summary>
    public async Task<(string Version, double? PeakRssMb)> FinishAsync(CancellationToken cancellationToken)
    {
        _process.StandardInput.Close();
        JsonElement summary = (await ReadJsonLineAsync(cancellationToken)).GetProperty("summary");
        await _process.WaitForExitAsync(cancellationToken);
        double? peak = summary.GetProperty("peak_rss_mb").ValueKind == JsonValueKind.Number ? summary.GetProperty("peak_rss_mb").GetDouble() : null;
        return (summary.GetProperty("node_llama_cpp_version").GetString() ?? "?", peak);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    // The script writes one JSON object per line; anything else (a stray log line) is skipped.
    private async Task<JsonElement> ReadJsonLineAsync(CancellationToken cancellationToken)
    {
        while (await _process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.TrimStart().StartsWith('{'))
            {
                return JsonSerializer.Deserialize<JsonElement>(line);
            }
        }

        await _process.WaitForExitAsync(cancellationToken);
        string errors;
        lock (_errors)
        {
            errors = _errors.ToString().Trim();
        }

        throw new InvalidOperationException($"node-llama-cpp benchmark ended early (exit {_process.ExitCode}): {errors}");
    }
}
