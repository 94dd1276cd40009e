using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace RagAssistant.Testing.Databases;

/// <summary>
/// A throwaway PostgreSQL server on loopback for tests and <c>bench/</c>: <c>initdb</c> into a temporary folder, then
/// <c>pg_ctl start</c> on a free port (as the <c>postgres</c> user when running as root, since PostgreSQL refuses to
/// run as root), trust authentication on 127.0.0.1 only. <see cref="DisposeAsync"/> stops it and removes the folder.
/// Debian's <c>postgresql</c> package provides the binaries (<c>/usr/lib/postgresql/N/bin</c>); <c>.ci/run</c> installs it.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _bin;
    private readonly string? _runAs;
    private int _databases;

    private PostgresCluster(string folder, string bin, string? runAs, int port)
    {
        _folder = folder;
        _bin = bin;
        _runAs = runAs;
        Port = port;
    }

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The connection string of the superuser's default database.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    /// <summary>
    /// Starts a cluster, or says why none can be started (no binaries, initdb or start failed) in
    /// <paramref name="reason"/>. Never throws for a missing installation.
    /// </summary>
    /// <param name="reason">Why no server could be started; null when one runs.</param>
    /// <returns>The running cluster, or null.</returns>
    public static async Task<PostgresCluster?> TryStartAsync(Action<string> reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var bin = FindBinaries();
        if (bin is null)
        {
            reason("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH): apt-get install postgresql, as .ci/run does.");
            return null;
        }

        var runAs = Environment.UserName == "root" ? "postgres" : null;
        var folder = Path.Combine(Path.GetTempPath(), "ragassistant-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        if (runAs is not null)
        {
            var (chown, chownOutput) = await RunAsync("chown", null, ["-R", runAs, folder]).ConfigureAwait(false);
            if (chown != 0)
            {
                reason($"chown of the cluster folder to {runAs} failed: {chownOutput}");
                TryDelete(folder);
                return null;
            }
        }

        var data = Path.Combine(folder, "data");
        var (init, initOutput) = await RunAsync(Path.Combine(bin, "initdb"), runAs, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]).ConfigureAwait(false);
        if (init != 0)
        {
            reason($"initdb failed (exit {init}): {initOutput}");
            TryDelete(folder);
            return null;
        }

        var port = FreePort();
        var options = string.Create(CultureInfo.InvariantCulture, $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -F -c max_connections=200");
        var (start, startOutput) = await RunAsync(Path.Combine(bin, "pg_ctl"), runAs, ["-D", data, "-o", options, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start"]).ConfigureAwait(false);
        if (start != 0)
        {
            var log = File.Exists(Path.Combine(folder, "server.log")) ? File.ReadAllText(Path.Combine(folder, "server.log")) : string.Empty;
            reason($"pg_ctl start failed (exit {start}): {startOutput} {log}");
            TryDelete(folder);
            return null;
        }

        return new PostgresCluster(folder, bin, runAs, port);
    }

    /// <summary>
    /// The cluster this test process shares (started on first use, stopped when the process exits), or skips the test
    /// with the reason no server could be started; where <c>CI=true</c> that fails the test instead (CI installs
    /// PostgreSQL, so a skip there would hide a broken store). Tests isolate themselves with <see cref="CreateDatabaseAsync"/>.
    /// </summary>
    /// <returns>The running cluster.</returns>
    public static async Task<PostgresCluster> RequireSharedAsync()
    {
        var (cluster, why) = await Shared.Value.ConfigureAwait(false);
        if (cluster is not null)
        {
            return cluster;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true, so PostgreSQL must be available: {why}");
        }

        Assert.Skip($"No PostgreSQL server could be started: {why}");
        return null!;
    }

    private static readonly Lazy<Task<(PostgresCluster? Cluster, string? Reason)>> Shared = new(async () =>
    {
        string? why = null;
        var cluster = await TryStartAsync(r => why = r).ConfigureAwait(false);
        if (cluster is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return (cluster, why);
    });

    /// <summary>The connection string of a database of this cluster.</summary>
    /// <param name="database">The database name.</param>
    public string ConnectionStringFor(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=30");

    /// <summary>Creates an empty database, so each test starts from nothing.</summary>
    /// <returns>Its connection string.</returns>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"test_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}");
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return ConnectionStringFor(name);
    }

    /// <summary>Stops the server at once and removes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_bin, "pg_ctl"), _runAs, ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"]).ConfigureAwait(false);
        TryDelete(_folder);
    }

    private static string? FindBinaries()
    {
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var found = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .FirstOrDefault();
            if (found is not null)
            {
                return found;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .FirstOrDefault(d => d.Length > 0 && File.Exists(Path.Combine(d, "initdb")));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string? runAs, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(runAs is null ? program : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (runAs is not null)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(runAs);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().ConfigureAwait(false);
            return (process.ExitCode, ((await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false))).Trim());
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
