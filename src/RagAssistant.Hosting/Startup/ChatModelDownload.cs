using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Hosting.Startup;

/// <summary>Where a background download of the offered chat model stands.</summary>
public enum ChatModelDownloadState
{
    /// <summary>Bytes are arriving.</summary>
    Running,

    /// <summary>The file is verified and in place; a restart loads it.</summary>
    Completed,

    /// <summary>The download failed; see <see cref="ChatModelDownloadProgress.Error"/>. Starting it again resumes from the bytes kept, if any.</summary>
    Failed,
}

/// <summary>A background download of the offered chat model.</summary>
/// <param name="State">Running, Completed or Failed.</param>
/// <param name="Path">Where the file goes: where the assistant loads the chat model from at its next start.</param>
/// <param name="BytesReceived">Bytes on disk so far (including a resumed earlier part).</param>
/// <param name="TotalBytes">The full size when known, else null.</param>
/// <param name="Error">Why it failed (and what to do), or null.</param>
public sealed record ChatModelDownloadProgress(ChatModelDownloadState State, string Path, long BytesReceived, long? TotalBytes, string? Error);

/// <summary>
/// Fetches the offered default chat model (<see cref="AssistantReadiness.ChatModelOffer"/>) in the background through
/// <see cref="ModelDownloader"/> (resumable, verified), for a front end with no one at a terminal (the service).
/// The file is saved where the assistant loads it from; the next start uses it. One download at a time.
/// </summary>
/// <param name="readiness">Holds the offer: which model, and where it goes.</param>
/// <param name="downloader">Fetches and verifies the file (its failure messages word the retry with the front end's <see cref="IModelDownloadHint"/>).</param>
/// <param name="lifetime">Stops the download when the host stops.</param>
/// <param name="logger">Receives the download's start, end and failure.</param>
public sealed partial class ChatModelDownload(AssistantReadiness readiness, ModelDownloader downloader, IHostApplicationLifetime lifetime, ILogger<ChatModelDownload> logger)
{
    private readonly Lock _gate = new();
    private ChatModelDownloadProgress? _progress;

    /// <summary>The current or last download, or null when none was started.</summary>
    public ChatModelDownloadProgress? Progress { get { lock (_gate) { return _progress; } } }

    /// <summary>Starts downloading the offered chat model unless there is nothing to fetch or a download is running.</summary>
    /// <param name="refusal">Why nothing was started, in words the caller can act on; null when started.</param>
    /// <returns>True when a download started.</returns>
    public bool TryStart(out string? refusal)
    {
        var offer = readiness.ChatModelOffer;
        lock (_gate)
        {
            refusal = offer is null
                ? $"There is no chat model to download: the chat model is {readiness.ChatModel}."
                : _progress?.State == ChatModelDownloadState.Running ? $"{offer.Model.Name} is already being downloaded to {_progress.Path}."
                : _progress?.State == ChatModelDownloadState.Completed ? $"{offer.Model.Name} is downloaded to {_progress.Path}: restart the service to load it."
                : null;
            if (refusal is not null)
            {
                return false;
            }

            _progress = new ChatModelDownloadProgress(ChatModelDownloadState.Running, offer!.TargetPath, 0, offer.SizeBytes, null);
        }

        // Not the request's token: the download outlives the request and stops only when the host does.
        _ = Task.Run(() => DownloadAsync(offer, lifetime.ApplicationStopping));
        return true;
    }

    private async Task DownloadAsync(ModelDownloadOffer offer, CancellationToken cancellationToken)
    {
        var target = offer.TargetPath;
        LogStarted(logger, offer.Model.Name, offer.Url, target);
        try
        {
            var progress = new ProgressSink(this, target);
            var result = await downloader.DownloadAsync(offer.Model, Path.GetDirectoryName(target)!, progress, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(result.Path, target, StringComparison.Ordinal))
            {
                // The configuration names another file name than the manifest's: put it where it is loaded from.
                File.Move(result.Path, target, overwrite: true);
            }

            Set(new ChatModelDownloadProgress(ChatModelDownloadState.Completed, target, result.SizeBytes, result.SizeBytes, null));
            LogFinished(logger, offer.Model.Name, target);
        }
        catch (Exception ex)
        {
            // A background task: whatever went wrong is reported in the progress (and /api/status), never thrown.
            var current = Progress;
            Set(new ChatModelDownloadProgress(ChatModelDownloadState.Failed, target, current?.BytesReceived ?? 0, current?.TotalBytes, ex.Message));
            LogFailed(logger, offer.Model.Name, ex.Message);
        }
    }

    private void Set(ChatModelDownloadProgress progress)
    {
        lock (_gate)
        {
            _progress = progress;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading the chat model {Name} from {Url} to {Path}")]
    private static partial void LogStarted(ILogger logger, string name, Uri url, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded the chat model {Name} to {Path}; restart to load it")]
    private static partial void LogFinished(ILogger logger, string name, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Downloading the chat model {Name} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string name, string reason);

    private sealed class ProgressSink(ChatModelDownload owner, string target) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) =>
            owner.Set(new ChatModelDownloadProgress(ChatModelDownloadState.Running, target, value.BytesReceived, value.TotalBytes, null));
    }
}
