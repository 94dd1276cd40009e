using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Passage embeddings persisted on disk, one file per embedding model and corpus folder (see <see cref="PathFor"/>),
/// keyed by a SHA-256 of each passage's text: a restart embeds nothing, an edited file re-embeds only its changed passages. The file carries a header
/// (magic, version, model identity, dimensions) and a SHA-256 trailer over everything before it; a corrupt,
/// truncated or foreign file is discarded with a warning and rebuilt, and so is one whose checksum holds but whose
/// content makes no sense (vectors of another dimension than the model's, a NaN or infinite value, an all-zero
/// vector: see <see cref="VectorProblem"/>). Saving writes a temporary file and renames
/// it over the old one, so an interrupted write leaves the previous cache (or none), never a half-written one.
/// </summary>
internal sealed partial class EmbeddingCache
{
    private const uint Magic = 0x43454152; // "RAEC"
    private const int FormatVersion = 1;
    private const int HashLength = 32;

    private readonly Dictionary<string, float[]> _vectors;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    private string? _saveError;

    // What the file holds: its entry count (-1 = unknown: no file, or one discarded) and whether a vector was set
    // since; a save that would write the same entries again is skipped, so a warm start leaves the file alone.
    private int _savedEntries = -1;
    private bool _changed;

    private EmbeddingCache(string path, string modelIdentity, Dictionary<string, float[]> vectors, ILogger logger)
    {
        FilePath = path;
        ModelIdentity = modelIdentity;
        _vectors = vectors;
        _logger = logger;
    }

    /// <summary>Where the cache is stored.</summary>
    public string FilePath { get; }

    /// <summary>The embedding model the vectors belong to.</summary>
    public string ModelIdentity { get; }

    /// <summary>Vectors held (loaded or added).</summary>
    public int Count => _vectors.Count;

    /// <summary>Why the file on disk was not used, when it existed but was discarded; else null.</summary>
    public string? DiscardReason { get; private set; }

    /// <summary>
    /// Why the cache folder cannot hold the file, found when the cache is loaded (see <see cref="FolderProblemOf"/>), or
    /// null when it can: then nothing is written and <see cref="Save"/> returns false at once.
    /// </summary>
    public string? FolderProblem { get; private init; }

    /// <summary>Why the last <see cref="Save"/> failed (a read-only folder, a full disk), or null when it succeeded.</summary>
    public string? SaveError => Volatile.Read(ref _saveError);

    /// <summary>
    /// The cache file inside <paramref name="folder"/> for one embedding model and one corpus folder:
    /// <c>embeddings-{16 hex digits}.bin</c>, the key of <see cref="CorpusVectors.KeyOf"/>. Each (model, corpus) pair has
    /// its own file, because a save keeps only the vectors its build used: a shared file would lose one corpus's
    /// vectors whenever another corpus is indexed.
    /// </summary>
    /// <param name="folder">The cache folder.</param>
    /// <param name="modelIdentity">The embedding model's identity (see <see cref="Retrieval.EmbeddingInputType.ModelIdentity"/>).</param>
    /// <param name="corpusFolder">The corpus folder; relative paths are made absolute against the working directory.</param>
    public static string PathFor(string folder, string modelIdentity, string corpusFolder) =>
        Path.Combine(folder, $"embeddings-{CorpusVectors.KeyOf(modelIdentity, corpusFolder)}.bin");

    /// <summary>Loads the cache, or starts an empty one when the file is missing or unusable (see <see cref="DiscardReason"/>).</summary>
    /// <param name="path">The cache file.</param>
    /// <param name="modelIdentity">The embedding model's identity; a file made by another is discarded.</param>
    /// <param name="dimensions">The embedding model's vector length, when it says; a file of another is discarded.</param>
    /// <param name="logger">Receives the one warning of a failed save; null = none.</param>
    public static EmbeddingCache Load(string path, string modelIdentity, int? dimensions = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(modelIdentity);
        logger ??= NullLogger.Instance;
        var cache = new EmbeddingCache(path, modelIdentity, new Dictionary<string, float[]>(StringComparer.Ordinal), logger)
        {
            FolderProblem = FolderProblemOf(Path.GetDirectoryName(Path.GetFullPath(path))!),
        };
        if (!File.Exists(path))
        {
            return cache;
        }

        try
        {
            var bytes = File.ReadAllBytes(path);
            var reason = TryRead(bytes, modelIdentity, dimensions, cache._vectors);
            cache._savedEntries = cache._vectors.Count;
            if (reason is not null)
            {
                cache._vectors.Clear();
                cache._savedEntries = -1;
                // Reported once, by the index's warnings (CorpusIndex), which every front end shows.
                cache.DiscardReason = reason;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            cache.DiscardReason = $"cannot be read ({ex.Message})";
        }

        return cache;
    }

    /// <summary>
    /// What keeps <paramref name="folder"/> from holding cache files, or null when nothing does: it "is a file, not a
    /// folder", it "cannot be created (reason)" (a parent is a file, a read-only or virtual file system such as
    /// <c>/proc</c>), or it "is not writable (reason)". Creates the folder when missing, and proves it writable by
    /// creating (and deleting) a hidden probe file in it, so a build learns before embedding that nothing will be kept.
    /// </summary>
    /// <param name="folder">The cache folder, absolute.</param>
    public static string? FolderProblemOf(string folder)
    {
        if (File.Exists(folder))
        {
            return "is a file, not a folder";
        }

        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"cannot be created ({ex.Message})";
        }

        try
        {
            using var probe = new FileStream(Path.Combine(folder, $".write-probe-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"is not writable ({ex.Message})";
        }
    }

    /// <summary>The hash that keys a passage text.</summary>
    public static string HashText(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The cached vector for <paramref name="text"/>, marking it as used by this build.</summary>
    public bool TryGet(string text, out float[] vector)
    {
        var hash = HashText(text);
        if (_vectors.TryGetValue(hash, out vector!))
        {
            _used.Add(hash);
            return true;
        }

        return false;
    }

    /// <summary>Adds (or replaces) the vector of <paramref name="text"/>.</summary>
    public void Set(string text, ReadOnlySpan<float> vector)
    {
        var hash = HashText(text);
        _vectors[hash] = vector.ToArray();
        _used.Add(hash);
        _changed = true;
    }

    /// <summary>
    /// What is wrong with <paramref name="vector"/> as an embedding, or null when nothing is: its length is not
    /// <paramref name="dimensions"/> (when known) or zero, it holds a NaN or infinite value, or every value is zero (no
    /// direction, so no cosine). The one check for vectors read from the cache and vectors a model returns.
    /// </summary>
    /// <param name="vector">The vector.</param>
    /// <param name="dimensions">The expected length, or null when unknown.</param>
    public static string? VectorProblem(ReadOnlySpan<float> vector, int? dimensions)
    {
        if (vector.Length == 0 || (dimensions is { } expected && vector.Length != expected))
        {
            return $"a vector of {vector.Length} dimensions, where the embedding model makes {dimensions?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "more than 0"}";
        }

        var zero = true;
        foreach (var value in vector)
        {
            if (!float.IsFinite(value))
            {
                return $"a non-finite value ({value.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
            }

            zero &= value == 0;
        }

        return zero ? "an all-zero vector" : null;
    }

    /// <summary>
    /// Writes the vectors used since loading (stale passages are dropped) atomically. With no vector to keep and no
    /// file to prune, nothing is written: a run that stopped before its first batch (a quick <c>ask</c>, a test) or an
    /// empty corpus leaves no empty cache file behind. Nor is a file rewritten that already holds exactly the used
    /// vectors (nothing set since it was loaded or saved, nothing to drop): a warm start leaves it untouched. Failure to write is logged once (not again until a save
    /// succeeds), kept in <see cref="SaveError"/> and returns false: the index still works, the next start just embeds again.
    /// </summary>
    /// <returns>True when the file holds the used vectors (or there were none and no file), false when writing failed.</returns>
    public bool Save()
    {
        var used = _vectors.Where(p => _used.Contains(p.Key)).ToList();
        if (used.Count == 0 && !File.Exists(FilePath))
        {
            return true;
        }

        if (FolderProblem is { } problem)
        {
            // Said once, when the build started (PassageEmbeddingJob.CacheWarning): no write is tried, nor logged.
            Volatile.Write(ref _saveError, $"the cache folder {problem}");
            return false;
        }

        var dimensions = used.Count > 0 ? used[0].Value.Length : 0;
        var entries = used.Where(p => p.Value.Length == dimensions).ToList();
        if (!_changed && entries.Count == _savedEntries)
        {
            // Nothing set since, so the used vectors are a subset of the file's: the same count means the same set.
            return true;
        }

        var error = WriteChecked(FilePath, writer =>
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(ModelIdentity);
            writer.Write(dimensions);
            writer.Write(entries.Count);
            foreach (var (hash, vector) in entries)
            {
                writer.Write(Convert.FromHexString(hash));
                foreach (var value in vector)
                {
                    writer.Write(value);
                }
            }
        });
        if (error is null)
        {
            (_savedEntries, _changed) = (entries.Count, false);
            Volatile.Write(ref _saveError, null);
            return true;
        }

        if (Interlocked.Exchange(ref _saveError, error) is null)
        {
            LogSaveFailed(_logger, FilePath, error);
        }

        return false;
    }

    /// <summary>
    /// Writes a cache file atomically: <paramref name="body"/> into a temporary file beside it, a SHA-256 of the body
    /// after it, then one rename over <paramref name="path"/>. A reader sees the old file or the new one, never half.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="body">Writes the body.</param>
    /// <returns>Null when written; else why not (the temporary file is removed).</returns>
    internal static string? WriteChecked(string path, Action<BinaryWriter> body)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using var hashing = new HashingStream(stream);
                using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    body(writer);
                }

                stream.Write(hashing.Finish());
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return ex.Message;
        }
    }

    /// <summary>The body of a file written by <see cref="WriteChecked"/>, or null when its checksum does not match (corrupt or truncated).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="minimumBody">The shortest body that can be valid.</param>
    internal static byte[]? ReadChecked(byte[] bytes, int minimumBody)
    {
        if (bytes.Length < HashLength + minimumBody)
        {
            return null;
        }

        var body = bytes.AsSpan(0, bytes.Length - HashLength);
        return SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashLength)) ? body.ToArray() : null;
    }

    private static string? TryRead(byte[] bytes, string modelIdentity, int? expectedDimensions, Dictionary<string, float[]> vectors)
    {
        if (bytes.Length < HashLength + 16)
        {
            return "file is too short";
        }

        if (ReadChecked(bytes, 16) is not { } body)
        {
            return "checksum mismatch (corrupt or truncated)";
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(body, writable: false), Encoding.UTF8);
            if (reader.ReadUInt32() != Magic)
            {
                return "not an embedding cache file";
            }

            if (reader.ReadInt32() is var version && version != FormatVersion)
            {
                return $"format version {version}, expected {FormatVersion}";
            }

            if (reader.ReadString() is var identity && identity != modelIdentity)
            {
                return $"made by another embedding model ({identity})";
            }

            var dimensions = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (dimensions < 0 || count < 0 || (long)count * (HashLength + (4L * dimensions)) != body.Length - reader.BaseStream.Position)
            {
                return "entry count does not match the file size";
            }

            for (var i = 0; i < count; i++)
            {
                var hash = Convert.ToHexStringLower(reader.ReadBytes(HashLength));
                var vector = new float[dimensions];
                for (var d = 0; d < dimensions; d++)
                {
                    vector[d] = reader.ReadSingle();
                }

                // A valid checksum says the file is as written, not that what was written makes sense.
                if (VectorProblem(vector, expectedDimensions) is { } problem)
                {
                    return $"holds {problem}";
                }

                vectors[hash] = vector;
            }

            return null;
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or IOException)
        {
            return $"unreadable ({ex.Message})";
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Leftover temporary file: harmless, never loaded (it does not have the cache's name).
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding cache {Path} could not be saved: {Reason}. The next start will embed again.")]
    private static partial void LogSaveFailed(ILogger logger, string path, string reason);

    /// <summary>Passes writes through while hashing them, so the checksum costs no second pass over the file.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] Finish() => _hash.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
