using System.Security.Cryptography;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.Hosting.Models;

/// <summary>The outcome of checking a model file.</summary>
/// <param name="Path">The file checked.</param>
/// <param name="SizeBytes">Its size in bytes (0 when it does not exist).</param>
/// <param name="Problems">Empty when the file is good; otherwise one line per problem.</param>
/// <param name="Gguf">What the GGUF validator read (version, metadata, tensors); null when the file is not a valid model.</param>
/// <param name="Sha256">The computed hash (lower-case hex), or null when it was not computed.</param>
public sealed record ModelVerification(string Path, long SizeBytes, GgufFileInfo? Gguf, string? Sha256, IReadOnlyList<string> Problems)
{
    /// <summary>True when every check passed.</summary>
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Checks a model file: present, expected size, a valid GGUF model (through <see cref="GgufValidator"/>, the one GGUF
/// reader of the solution), SHA-256 when one is known.
/// </summary>
public static class ModelFileVerifier
{
    /// <summary>Verifies <paramref name="path"/> against what is expected of it.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="expectedSize">Exact size in bytes, or null to skip the size check.</param>
    /// <param name="expectedSha256">Hex SHA-256, or null to skip hashing (hashing a large file takes seconds).</param>
    /// <param name="downloadHint">The front end's words for fetching the default model, put in a bad file's fix; null for the words of a user without a source checkout (<see cref="DownloadCommandHint"/>).</param>
    /// <param name="cancellationToken">Stops validating and hashing.</param>
    /// <returns>What was found; a missing or bad file is reported in <see cref="ModelVerification.Problems"/>, not thrown.</returns>
    public static async Task<ModelVerification> VerifyAsync(string path, long? expectedSize, string? expectedSha256, IModelDownloadHint? downloadHint = null, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return new ModelVerification(path, 0, null, null, [$"file not found: {path}"]);
        }

        var problems = new List<string>();
        if (expectedSize is { } size && file.Length != size)
        {
            problems.Add($"size is {file.Length} bytes, expected {size}");
        }

        GgufFileInfo? gguf = null;
        try
        {
            gguf = await Task.Run(() => GgufValidator.Validate(path), cancellationToken).ConfigureAwait(false);
        }
        catch (ModelFileException ex)
        {
            problems.Add((downloadHint ?? new DownloadCommandHint()).Advise(ex).Message);
        }

        string? sha256 = null;
        if (expectedSha256 is not null)
        {
            sha256 = await ComputeSha256Async(path, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"sha256 is {sha256}, expected {expectedSha256.ToLowerInvariant()}");
            }
        }

        return new ModelVerification(path, file.Length, gguf, sha256, problems);
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Stops hashing.</param>
    /// <returns>64 lower-case hex digits.</returns>
    /// <exception cref="IOException">The file cannot be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    public static async Task<string> ComputeSha256Async(string path, CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexStringLower(hash);
        }
    }
}
