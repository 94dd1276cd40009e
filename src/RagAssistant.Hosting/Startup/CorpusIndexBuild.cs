using Microsoft.Extensions.Logging;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// Builds the index, or refreshes it incrementally (the first build at start, a re-index when the corpus changes),
/// recording each outcome in <see cref="AssistantReadiness"/>. A failed refresh keeps the previous index searchable.
/// </summary>
/// <param name="index">Creates the index (its embedder loads with it), or returns null when none is registered.</param>
/// <param name="readiness">Receives each build's outcome.</param>
/// <param name="timeProvider">Stamps the builds.</param>
/// <param name="logger">Receives the builds' progress and failures.</param>
public sealed partial class CorpusIndexBuild(Func<ICorpusIndex?> index, AssistantReadiness readiness, TimeProvider timeProvider, ILogger<CorpusIndexBuild> logger)
{
    /// <summary>Builds or refreshes the index.</summary>
    /// <param name="progress">Receives the build's stages, or null.</param>
    /// <param name="reason">Why it runs ("start", "corpus changed"), for the log.</param>
    /// <param name="cancellationToken">Stops the build.</param>
    /// <returns>The build's report, or null when no index is registered.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Exception">The build failed (a missing corpus folder, an unreadable cache); readiness has its message.</exception>
    public async Task<IndexReport?> RunAsync(IProgress<IndexProgress>? progress, string reason, CancellationToken cancellationToken)
    {
        if (index() is not { } corpusIndex)
        {
            return null;
        }

        readiness.BuildStarted();
        LogBuildStarted(logger, reason);
        try
        {
            var report = await corpusIndex.BuildAsync(progress, cancellationToken).ConfigureAwait(false);
            readiness.BuildSucceeded(report, timeProvider.GetUtcNow());
            LogBuildFinished(logger, report.Papers, Noun(report.Papers, "paper"), report.Passages, Noun(report.Passages, "passage"), report.Embedded, report.FromCache, report.Warnings.Count, Noun(report.Warnings.Count, "warning"), report.Elapsed.TotalMilliseconds);
            // Each warning was logged once where it arose (the corpus loader, the cache); the count above points to them.
            return report;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogBuildFailed(logger, ex);
            readiness.BuildFailed(ex.Message);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexing the corpus ({Reason})")]
    private static partial void LogBuildStarted(ILogger logger, string reason);

    // "1 warning", "2 warnings": the counts stay numbers of their own in the structured entry.
    private static string Noun(int count, string singular) => count == 1 ? singular : singular + "s";

    [LoggerMessage(Level = LogLevel.Information, Message = "Index ready: {Papers} {PapersNoun}, {Passages} {PassagesNoun} ({Embedded} embedded, {FromCache} from cache), {Warnings} {WarningsNoun}, in {ElapsedMs:F0} ms")]
    private static partial void LogBuildFinished(ILogger logger, int papers, string papersNoun, int passages, string passagesNoun, int embedded, int fromCache, int warnings, string warningsNoun, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Indexing the corpus failed; the previous index, if any, stays searchable")]
    private static partial void LogBuildFailed(ILogger logger, Exception exception);
}
