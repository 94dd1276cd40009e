using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>The service as users run it: its own process (`dotnet RagAssistant.Service.dll`) on a loopback port.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The service's own build output, in the configuration these tests were built in.</summary>
    public static string ServiceAssembly
    {
        get
        {
            // Tests run from tests/X/bin/<Configuration>/<tfm>/.
            var tfmFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmFolder.Parent!.Name;
            return Path.Combine(TestPaths.RepositoryRoot, "src", "RagAssistant.Service", "bin", configuration, tfmFolder.Name, "RagAssistant.Service.dll");
        }
    }

    public int Id => _process.Id;

    /// <summary>Skips the test, with the reason, when the service has not been built (its assembly is what runs).</summary>
    public static void SkipWithoutBuild()
    {
        if (!File.Exists(ServiceAssembly))
        {
            Assert.Skip($"The service is not built at {ServiceAssembly}.");
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the service from the repository root (so it reads the root appsettings.json) on a free port.</summary>
    public static ServiceProcess Start(params string[] arguments) => Start(FreePort(), arguments);

    public static ServiceProcess Start(int port, params string[] arguments) => StartIn(TestPaths.RepositoryRoot, port, arguments);

    /// <summary>Starts the service from the repository root with <paramref name="environment"/> added to its environment (settings such as <c>Retrieval__TopK</c>).</summary>
    public static ServiceProcess StartWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Launch(TestPaths.RepositoryRoot, FreePort(), [ServiceAssembly], arguments, environment);

    /// <summary>Starts the service in <paramref name="workingDirectory"/> on a free port.</summary>
    public static ServiceProcess StartIn(string workingDirectory, params string[] arguments) => StartIn(workingDirectory, FreePort(), arguments);

    /// <summary>Starts the service with <paramref name="workingDirectory"/> as its working directory (its default content root).</summary>
    public static ServiceProcess StartIn(string workingDirectory, int port, params string[] arguments) =>
        Launch(workingDirectory, port, [ServiceAssembly], arguments);

    /// <summary>
    /// Starts the service the way the README does, `dotnet run --project src/RagAssistant.Service --no-build -- ...`,
    /// from <paramref name="workingDirectory"/> (the user's shell folder) on a free port.
    /// </summary>
    public static ServiceProcess RunFrom(string workingDirectory, params string[] arguments)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var project = Path.Combine(TestPaths.RepositoryRoot, "src", "RagAssistant.Service");
        return Launch(workingDirectory, FreePort(), ["run", "--project", project, "--no-build", "-c", configuration, "--"], arguments);
    }

    private static ServiceProcess Launch(string workingDirectory, int port, string[] dotnetArguments, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var address = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in dotnetArguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (!arguments.Contains("--urls"))
        {
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add(address.ToString().TrimEnd('/'));
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Waits for /health/ready; fails with the process output when it exits or takes too long.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A probe slower than the client's timeout (a loaded machine, a model loading): ask again until the deadline.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"The service was not ready within {timeout}:\n{Output}");
    }

    /// <summary>Resident memory of the process, from /proc.</summary>
    public long ResidentBytes()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }

    /// <summary>Asks the process to stop the way systemd does (SIGTERM) and waits for it to exit.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
