using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Indexing;

/// <summary>
/// Loads the models and builds (or loads from cache) the index at start, then re-indexes incrementally whenever
/// files in the corpus folder change. Questions keep running on the previous index meanwhile; the index swaps
/// itself in when a build completes.
/// </summary>
internal sealed partial class CorpusIndexingService(
    IServiceProvider services,
    ICorpusIndex index,
    AssistantReadiness readiness,
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
        // Let the host finish starting (and /health/live answer) before the slow work begins.
        await Task.Yield();

        LoadModels();
        await BuildAsync("start", stoppingToken);

        using var watcher = StartWatching();
        while (await _changes.Reader.WaitToReadAsync(stoppingToken))
        {
            // Wait for the burst of events to settle (an editor saves in several steps, a copy takes a while).
            await Task.Delay(options.Value.ReindexDelay, timeProvider, stoppingToken);
            while (_changes.Reader.TryRead(out var path))
            {
                LogCorpusChanged(logger, path);
            }

            await BuildAsync("corpus changed", stoppingToken);
        }
    }

    private void LoadModels()
    {
        try
        {
            // The model adapters load their files when first resolved (AssistantRuntimeInfo resolves them all);
            // do it now rather than on the first question, so /health/ready means ready.
            _ = services.GetService<AssistantRuntimeInfo>();
            _ = services.GetService<IChatClient>();
            _ = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
            readiness.ModelsLoaded();
        }
        catch (Exception ex)
        {
            LogModelLoadFailed(logger, ex);
            readiness.ModelsFailed(ex.Message);
        }
    }

    private async Task BuildAsync(string reason, CancellationToken stoppingToken)
    {
        readiness.BuildStarted();
        LogBuildStarted(logger, reason);
        try
        {
            var report = await index.BuildAsync(progress: null, stoppingToken);
            readiness.BuildSucceeded(report, timeProvider.GetUtcNow());
            LogBuildFinished(logger, report.Papers, report.Passages, report.Embedded, report.FromCache, report.Warnings.Count, report.Elapsed.TotalMilliseconds);
            foreach (var warning in report.Warnings)
            {
                LogBuildWarning(logger, warning);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Never let a bad file or a full disk take the service down: report it and keep serving.
            LogBuildFailed(logger, ex);
            readiness.BuildFailed(ex.Message);
        }
    }

    private FileSystemWatcher? StartWatching()
    {
        if (!options.Value.WatchCorpus)
        {
            return null;
        }

        var folder = services.GetService<AssistantRuntimeInfo>()?.CorpusFolder ?? configuration[CommandLineOverrides.CorpusFolderKey];
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexing the corpus ({Reason})")]
    private static partial void LogBuildStarted(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index ready: {Papers} papers, {Passages} passages ({Embedded} embedded, {FromCache} from cache), {Warnings} warnings, in {ElapsedMs:F0} ms")]
    private static partial void LogBuildFinished(ILogger logger, int papers, int passages, int embedded, int fromCache, int warnings, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Corpus: {Warning}")]
    private static partial void LogBuildWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "Indexing the corpus failed; the service keeps serving the previous index, if any")]
    private static partial void LogBuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading the models failed; /health/ready will report not ready")]
    private static partial void LogModelLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Folder} for corpus changes")]
    private static partial void LogWatching(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not watching the corpus folder {Folder}: it does not exist or watching is off")]
    private static partial void LogNotWatching(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Corpus changed: {Path}")]
    private static partial void LogCorpusChanged(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The corpus watcher lost events; re-indexing everything")]
    private static partial void LogWatcherError(ILogger logger, Exception exception);
}
