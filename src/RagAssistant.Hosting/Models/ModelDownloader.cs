using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using RagAssistant.Hosting.Startup;

namespace RagAssistant.Hosting.Models;

/// <summary>
/// Downloads a model into the models folder: writes to <c>FILE.part</c>, resumes with an HTTP range request after a
/// dropped connection (within one call, with Polly's retry strategy, and across calls), verifies size, GGUF header and SHA-256, then renames
/// the file into place so a half-written model is never picked up.
/// </summary>
/// <param name="httpClient">The client the model is fetched with (its own, from <c>AddModelDownloads</c>: no overall timeout).</param>
/// <param name="options">Attempts per call and the stall timeout.</param>
/// <param name="hint">How the front end tells its user to start a failed download again (console command, service endpoint).</param>
/// <param name="logger">Receives dropped connections and finished downloads.</param>
public sealed partial class ModelDownloader(HttpClient httpClient, IOptions<ModelsOptions> options, IModelDownloadHint hint, ILogger<ModelDownloader> logger)
{
    /// <summary>Suffix of the file being downloaded.</summary>
    public const string PartialSuffix = ".part";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    // The first retry waits this long, each further one this much longer.
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Downloads <paramref name="model"/> into <paramref name="folder"/> and returns the verified file.</summary>
    /// <param name="model">The manifest entry: URL, file name, and the size and SHA-256 to verify when known.</param>
    /// <param name="folder">The models folder (created when missing); the file is saved there under <see cref="ModelEntry.File"/>.</param>
    /// <param name="progress">Receives bytes on disk, total and speed about every 100 ms; optional.</param>
    /// <param name="cancellationToken">Stops the download; the bytes so far stay in <c>FILE.part</c> for the next call to resume.</param>
    /// <returns>The verified file, with how much was resumed and how many connections it took.</returns>
    /// <exception cref="ModelDownloadException">The server failed, the connection kept dropping (the message says how to resume, in the front end's words: <see cref="IModelDownloadHint.DescribeRetry"/>), or the file is corrupt.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ModelDownloadResult> DownloadAsync(
        ModelEntry model,
        string folder,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, model.File);
        var partial = target + PartialSuffix;
        var resumedFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (model.SizeBytes is { } expected && resumedFrom > expected)
        {
            // Longer than the model can be: not a prefix of it.
            File.Delete(partial);
            resumedFrom = 0;
        }

        // Each attempt resumes from what the last one kept in FILE.part; Polly's retry (the resilience pipeline of
        // Microsoft.Extensions.Http.Resilience) decides when to try again and how long to wait.
        var attempts = 0;
        long? total = model.SizeBytes;
        // One attempt allowed (Models:DownloadAttempts = 1) is no retry at all: Polly's retry needs at least one.
        var retry = options.Value.DownloadAttempts < 2 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = options.Value.DownloadAttempts - 1,
            BackoffType = DelayBackoffType.Linear,
            Delay = RetryDelay,
            UseJitter = false,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } ex && !IsFirstConnectionRefused(ex, partial, resumedFrom) && IsTransient(ex, cancellationToken)),
            OnRetry = args =>
            {
                var kept = KeptBytes(partial);
                var reason = args.Outcome.Exception!.Message;
                LogConnectionDropped(logger, model.Name, kept, attempts, reason);
                progress?.Report(new DownloadProgress(
                    kept,
                    total,
                    0,
                    null,
                    $"connection to {model.Url.Host} dropped after {kept:N0} bytes ({reason}); resuming (attempt {attempts + 1} of {options.Value.DownloadAttempts})"));
                return ValueTask.CompletedTask;
            },
        }).Build();
        try
        {
            total = await retry.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    return await DownloadToPartialAsync(model, partial, total, progress, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (IsFirstConnectionRefused(ex, partial, resumedFrom))
        {
            // Not a dropped connection but no connection at all (offline, DNS, refused): retrying only repeats it.
            throw Unreachable(model, target, partial, ex);
        }
        catch (Exception ex) when (IsTransient(ex, cancellationToken))
        {
            throw new ModelDownloadException(
                $"Download of {model.Name} from {model.Url} failed after {attempts} attempts ({ex.Message}); {WhatIsKept(model, partial)}.",
                ex);
        }

        var verification = await ModelFileVerifier.VerifyAsync(partial, model.SizeBytes ?? total, model.Sha256, hint, cancellationToken).ConfigureAwait(false);
        if (!verification.IsValid)
        {
            // A corrupt file cannot be repaired by resuming: start clean next time.
            File.Delete(partial);
            throw new ModelDownloadException(
                $"Downloaded {model.Name} is corrupt and was deleted: {string.Join("; ", verification.Problems)}.");
        }

        File.Move(partial, target, overwrite: true);
        LogDownloaded(logger, model.Name, target, verification.SizeBytes);
        return new ModelDownloadResult(target, verification.SizeBytes, resumedFrom, attempts, verification with { Path = target });
    }

    /// <summary>One connection: requests the missing bytes and appends them. Returns the full size when known.</summary>
    private async Task<long?> DownloadToPartialAsync(
        ModelEntry model, string partial, long? knownTotal, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var offset = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (knownTotal is { } t && offset == t && offset > 0)
        {
            return knownTotal;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, model.Url);
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stallTimeout = TimeSpan.FromSeconds(options.Value.StallTimeoutSeconds);
        stall.CancelAfter(stallTimeout);
        using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);

        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && offset > 0)
        {
            // The partial file is already complete (or the server cannot serve from there): let verification decide.
            return response.Content.Headers.ContentRange?.Length ?? knownTotal ?? offset;
        }

        if (!response.IsSuccessStatusCode)
        {
            var error = $"Download of {model.Name} failed: the server answered {(int)response.StatusCode} {response.ReasonPhrase} for {model.Url}.";
            if ((int)response.StatusCode >= 500)
            {
                throw new HttpRequestException(error, null, response.StatusCode);
            }

            throw new ModelDownloadException(error);
        }

        var append = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == offset;
        if (!append)
        {
            offset = 0; // The server ignored the range: start over.
        }

        var total = response.Content.Headers.ContentRange?.Length
            ?? (response.Content.Headers.ContentLength is { } length ? offset + length : knownTotal);
        if (model.SizeBytes is { } expected && total is { } announced && announced != expected)
        {
            throw new ModelDownloadException(
                $"The server offers {announced:N0} bytes for {model.Name}, but models.json expects {expected:N0}: the URL or the manifest is out of date.");
        }

        var file = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var buffer = new byte[1 << 16];
                var clock = Stopwatch.StartNew();
                var lastReport = TimeSpan.Zero;
                long received = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false)) > 0)
                {
                    stall.CancelAfter(stallTimeout);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    received += read;
                    if (progress is not null && clock.Elapsed - lastReport >= ProgressInterval)
                    {
                        lastReport = clock.Elapsed;
                        progress.Report(Progress(offset + received, total, received, clock.Elapsed));
                    }
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(Progress(offset + received, total, received, clock.Elapsed));
                if (total is { } expectedTotal && offset + received < expectedTotal)
                {
                    throw new IOException($"the connection closed after {offset + received:N0} of {expectedTotal:N0} bytes");
                }
            }
        }

        return total;
    }

    // No connection at all, before a byte of this call arrived: retrying only repeats it.
    private static bool IsFirstConnectionRefused(Exception ex, string partial, long resumedFrom) =>
        ex is HttpRequestException http && IsUnreachable(http) && KeptBytes(partial) == resumedFrom;

    private static long KeptBytes(string partial) => File.Exists(partial) ? new FileInfo(partial).Length : 0;

    /// <summary>No connection could be made: the name did not resolve or the host refused or could not be reached.</summary>
    private static bool IsUnreachable(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.ProxyTunnelError;

    private ModelDownloadException Unreachable(ModelEntry model, string target, string partial, HttpRequestException ex)
    {
        if (KeptBytes(partial) == 0)
        {
            File.Delete(partial);
        }

        return new ModelDownloadException(
            $"cannot reach {model.Url.Host} (are you offline?): {ex.Message}. Once connected, {hint.DescribeRetry(model)} fetches {model.Name}; " +
            $"or fetch it by hand: download {model.Url} on a machine that is online and save it as {target}.",
            ex);
    }

    // Names the partial file only when it holds bytes to resume from; an empty one is removed, not mentioned.
    private string WhatIsKept(ModelEntry model, string partial)
    {
        var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (kept > 0)
        {
            return $"{kept:N0} bytes are kept in {partial} and {hint.DescribeRetry(model)} resumes from there";
        }

        File.Delete(partial);
        return $"nothing was saved, so {hint.DescribeRetry(model)} starts from the beginning";
    }

    private static DownloadProgress Progress(long done, long? total, long receivedThisAttempt, TimeSpan elapsed)
    {
        var speed = elapsed.TotalSeconds > 0 ? receivedThisAttempt / elapsed.TotalSeconds : 0;
        TimeSpan? remaining = total is { } t && speed > 0 ? TimeSpan.FromSeconds(Math.Max(0, t - done) / speed) : null;
        return new DownloadProgress(done, total, speed, remaining);
    }

    /// <summary>Dropped connections, stalls and 5xx answers are worth a retry; a cancel by the user is not.</summary>
    private static bool IsTransient(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException => true,
        IOException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Download of {Model} interrupted after {Bytes} bytes (attempt {Attempt}): {Reason}; resuming")]
    private static partial void LogConnectionDropped(ILogger logger, string model, long bytes, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {Model} to {Path} ({Bytes} bytes)")]
    private static partial void LogDownloaded(ILogger logger, string model, string path, long bytes);
}
