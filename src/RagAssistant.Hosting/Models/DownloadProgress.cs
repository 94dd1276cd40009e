namespace RagAssistant.Hosting.Models;

/// <summary>How far a download has got.</summary>
/// <param name="BytesReceived">Bytes on disk so far, including those from an earlier, interrupted attempt.</param>
/// <param name="TotalBytes">Full size, when the server or the manifest tells it.</param>
/// <param name="BytesPerSecond">Average speed of the current attempt.</param>
/// <param name="Remaining">Estimated time left, when the total and the speed are known.</param>
/// <param name="Interruption">
/// Set on the report made when the connection dropped mid-transfer and the download resumes: what happened, in a
/// sentence for the user (a progress bar shows it instead of a log line breaking the bar); null otherwise.
/// </param>
public sealed record DownloadProgress(long BytesReceived, long? TotalBytes, double BytesPerSecond, TimeSpan? Remaining, string? Interruption = null);

/// <summary>A model file fetched and verified.</summary>
/// <param name="Path">The absolute path of the file, renamed into place.</param>
/// <param name="SizeBytes">Its size in bytes.</param>
/// <param name="ResumedFromBytes">Bytes kept from an earlier interrupted download (0 when it started from scratch).</param>
/// <param name="Attempts">Connections used; more than one means a dropped connection was resumed.</param>
/// <param name="Verification">What the checks found (size, GGUF header, SHA-256 when known); valid.</param>
public sealed record ModelDownloadResult(string Path, long SizeBytes, long ResumedFromBytes, int Attempts, ModelVerification Verification);

/// <summary>A download failed; the message says why and what to do about it.</summary>
public sealed class ModelDownloadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelDownloadException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the download failed and what to do.</param>
    public ModelDownloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">Why the download failed and what to do.</param>
    /// <param name="innerException">The failure underneath (HTTP, I/O).</param>
    public ModelDownloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
