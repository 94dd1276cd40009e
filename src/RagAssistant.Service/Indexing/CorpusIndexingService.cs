using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RagAssistant.Hosting;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Indexing;

/// <summary>
/// Keeps the index current: waits for the shared start-up (<see cref="AssistantStartup"/>, run by
/// <see cref="AssistantStartupService"/>) to load the models and build the index, then re-indexes incrementally
/// whenever files in the corpus folder change. Questions keep running on the previous index meanwhile; the index
/// swaps itself in when a build completes.
/// </summary>
internal sealed partial class CorpusIndexingService(
    AssistantStartup startup,
    IConfiguration configuration,
    IOptions<ServiceOptions> options,
    TimeProvider timeProvider,
    ILogger<CorpusIndexingService> logger) : BackgroundService
{
    // Capacity 1 and DropWrite: many file events collapse into one pending re-index.
    private readonly Channel<string> _changes = Channel.CreateBounded<string>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!options.Value.WatchCorpus)
        {
            return;
        }

        await RunAsync(() => startup.RunAsync(progress: null, stoppingToken), stoppingToken);
        using var watcher = StartWatching();
        while (await _changes.Reader.WaitToReadAsync(stoppingToken))
        {
            // Wait for the burst of events to settle (an editor saves in several steps, a copy takes a while).
            await Task.Delay(options.Value.ReindexDelay, timeProvider, stoppingToken);
            while (_changes.Reader.TryRead(out var path))
            {
                LogCorpusChanged(logger, path);
            }

            await RunAsync(() => startup.BuildIndexAsync(progress: null, "corpus changed", stoppingToken), stoppingToken);
        }
    }

    // A failed build is logged and recorded in readiness by the start-up: keep serving (the previous index, if any).
    private static async Task RunAsync(Func<Task> build, CancellationToken stoppingToken)
    {
        try
        {
            await build();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Nothing more to do here: /health/ready and /api/status report it.
        }
    }

    private FileSystemWatcher? StartWatching()
    {
        var folder = startup.Readiness.Runtime?.CorpusFolder ?? configuration[CommandLineOverrides.CorpusFolderKey];
        if (string.IsNullOrWhiteSpace(folder) || !Directory.Exists(folder))
        {
            LogNotWatching(logger, folder ?? "(not configured)");
            return null;
        }

        var watcher = new FileSystemWatcher(folder)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += OnChanged;
        watcher.Changed += OnChanged;
        watcher.Deleted += OnChanged;
        watcher.Renamed += OnChanged;
        watcher.Error += (_, e) =>
        {
            // Events were lost (buffer overflow): re-index everything to be safe.
            LogWatcherError(logger, e.GetException());
            _changes.Writer.TryWrite(folder);
        };
        watcher.EnableRaisingEvents = true;
        LogWatching(logger, folder);
        return watcher;
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (IsIgnored(e.Name))
        {
            return;
        }

        _changes.Writer.TryWrite(e.FullPath);
    }

    /// <summary>Hidden files and folders (caches, editor swap files) and temporary files are not corpus content.</summary>
    internal static bool IsIgnored(string? relativePath)
    {
        if (string.IsNullOrEmpty(relativePath))
        {
            return false;
        }

        var parts = relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (parts.Any(part => part.StartsWith('.')))
        {
            return true;
        }

        var name = parts[^1];
        return name.EndsWith('~') || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".swp", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".partial", StringComparison.OrdinalIgnoreCase);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Folder} for corpus changes")]
    private static partial void LogWatching(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not watching the corpus folder {Folder}: it does not exist or watching is off")]
    private static partial void LogNotWatching(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Corpus changed: {Path}")]
    private static partial void LogCorpusChanged(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The corpus watcher lost events; re-indexing everything")]
    private static partial void LogWatcherError(ILogger logger, Exception exception);
}
