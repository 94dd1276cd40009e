using System.Text;
using Microsoft.Extensions.Logging;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// The on-disk cache of the token-level match's passage token vectors (<see cref="Retrieval.TokenVectors"/>), one file
/// per model identity and corpus folder (<c>tokens-{16 hex digits}.bin</c> in the cache folder), so a warm start ranks
/// with the token match at once, as it does with the passage vectors. Keyed by the SHA-256 of the embedded text
/// (<see cref="EmbeddingCache.HashText"/>): an edited passage is embedded again, the rest read back.
/// </summary>
/// <remarks>
/// Format: magic "RATV", version, model identity, dimensions, entry count, then per entry the text hash, the token
/// count, the token ids (int32) and the vectors (IEEE half, 2 bytes a value); a SHA-256 trailer, written atomically
/// (<see cref="EmbeddingCache.WriteChecked"/>). A file that fails any check is discarded whole (logged once, and
/// deleted): its passages are embedded again.
/// </remarks>
internal sealed partial class TokenVectorCache
{
    private const uint Magic = 0x56544152; // "RATV"
    private const int FormatVersion = 1;
    private const int HashLength = 32;
    private readonly Dictionary<string, (Half[] Vectors, int[] Ids)> _entries;
    private readonly string _modelIdentity;
    private readonly int _dimensions;
    private readonly ILogger _logger;

    private TokenVectorCache(string path, string modelIdentity, int dimensions, Dictionary<string, (Half[] Vectors, int[] Ids)> entries, ILogger logger)
    {
        FilePath = path;
        _modelIdentity = modelIdentity;
        _dimensions = dimensions;
        _entries = entries;
        _logger = logger;
    }

    /// <summary>Where the cache is stored.</summary>
    public string FilePath { get; }

    /// <summary>The cache file of a model's token vectors of a corpus folder.</summary>
    /// <param name="folder">The cache folder.</param>
    /// <param name="modelIdentity">The model's identity (<see cref="Retrieval.EmbeddingInputType.ModelIdentity"/>).</param>
    /// <param name="corpusFolder">The corpus folder.</param>
    public static string PathFor(string folder, string modelIdentity, string corpusFolder) =>
        Path.Combine(folder, $"tokens-{CorpusVectors.KeyOf(modelIdentity, corpusFolder)}.bin");

    /// <summary>Loads the cache, or starts an empty one when the file is missing or unusable (logged once as a warning).</summary>
    /// <param name="path">The cache file.</param>
    /// <param name="modelIdentity">The model's identity; a file made by another is discarded.</param>
    /// <param name="dimensions">The length of one token vector; a file of another is discarded.</param>
    /// <param name="logger">Receives why a file was discarded, or not saved.</param>
    public static TokenVectorCache Load(string path, string modelIdentity, int dimensions, ILogger logger)
    {
        var entries = new Dictionary<string, (Half[] Vectors, int[] Ids)>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            string? reason;
            try
            {
                reason = TryRead(File.ReadAllBytes(path), modelIdentity, dimensions, entries);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                reason = $"cannot be read ({ex.Message})";
            }

            if (reason is not null)
            {
                entries.Clear();
                LogDiscarded(logger, path, reason);
                try
                {
                    // Gone, so it is said once: the next load (the background's, after a warm start's) finds none.
                    File.Delete(path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Left as it is: the save that follows replaces it.
                }
            }
        }

        return new TokenVectorCache(path, modelIdentity, dimensions, entries, logger);
    }

    /// <summary>The cached token vectors and ids of the text whose hash is <paramref name="textHash"/>.</summary>
    public bool TryGet(string textHash, out (Half[] Vectors, int[] Ids) entry) => _entries.TryGetValue(textHash, out entry);

    /// <summary>Writes exactly <paramref name="entries"/> (this build's passages), atomically; a failure is logged, and the next start embeds again.</summary>
    /// <param name="entries">Each passage's text hash, token vectors and ids.</param>
    /// <returns>True when written.</returns>
    public bool Save(IReadOnlyCollection<(string Hash, Half[] Vectors, int[] Ids)> entries)
    {
        var error = EmbeddingCache.WriteChecked(FilePath, writer =>
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(_modelIdentity);
            writer.Write(_dimensions);
            writer.Write(entries.Count);
            foreach (var (hash, vectors, ids) in entries)
            {
                writer.Write(Convert.FromHexString(hash));
                writer.Write(ids.Length);
                foreach (var id in ids)
                {
                    writer.Write(id);
                }

                // IEEE half, little-endian: the layout of every platform .NET runs on, read back the same way.
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.AsSpan()));
            }
        });
        if (error is not null)
        {
            LogSaveFailed(_logger, FilePath, error);
        }

        return error is null;
    }

    /// <summary>
    /// Writes the loaded entries with <paramref name="made"/> added (a new one replaces a loaded one of the same hash),
    /// when any of them is new: for a build that stopped early, whose next start then embeds only the rest. A complete
    /// build's <see cref="Save"/> writes exactly its passages, so an entry of a removed passage kept here goes then.
    /// </summary>
    /// <param name="made">Text hashes, token vectors and ids made by the stopped build.</param>
    /// <returns>True when written, or when nothing was new.</returns>
    public bool SaveAdding(IEnumerable<(string Hash, Half[] Vectors, int[] Ids)> made)
    {
        var added = 0;
        foreach (var (hash, vectors, ids) in made)
        {
            added += _entries.ContainsKey(hash) ? 0 : 1;
            _entries[hash] = (vectors, ids);
        }

        return added == 0 || Save([.. _entries.Select(e => (e.Key, e.Value.Vectors, e.Value.Ids))]);
    }

    private static string? TryRead(byte[] bytes, string modelIdentity, int dimensions, Dictionary<string, (Half[] Vectors, int[] Ids)> entries)
    {
        if (EmbeddingCache.ReadChecked(bytes, 16) is not { } body)
        {
            return "checksum mismatch (corrupt or truncated)";
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(body, writable: false), Encoding.UTF8);
            if (reader.ReadUInt32() != Magic)
            {
                return "not a token vector cache file";
            }

            if (reader.ReadInt32() is var version && version != FormatVersion)
            {
                return $"format version {version}, expected {FormatVersion}";
            }

            if (reader.ReadString() is var identity && identity != modelIdentity)
            {
                return $"made by another model ({identity})";
            }

            if (reader.ReadInt32() is var stored && stored != dimensions)
            {
                return $"vectors of {stored} dimensions, where the model makes {dimensions}";
            }

            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var hash = Convert.ToHexStringLower(reader.ReadBytes(HashLength));
                var tokens = reader.ReadInt32();
                if (tokens < 0 || (long)tokens * (4 + (2L * dimensions)) > body.Length - reader.BaseStream.Position)
                {
                    return "entry sizes do not match the file size";
                }

                var ids = new int[tokens];
                for (var t = 0; t < tokens; t++)
                {
                    ids[t] = reader.ReadInt32();
                }

                var vectors = new Half[tokens * dimensions];
                var read = reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.AsSpan()));
                if (read != vectors.Length * 2)
                {
                    return "entry sizes do not match the file size";
                }

                foreach (var value in vectors)
                {
                    if (!Half.IsFinite(value))
                    {
                        return "holds a non-finite value";
                    }
                }

                entries[hash] = (vectors, ids);
            }

            return reader.BaseStream.Position == body.Length ? null : "entry sizes do not match the file size";
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or IOException)
        {
            return $"unreadable ({ex.Message})";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Token vector cache {Path} discarded ({Reason}); its passages' token vectors are made again")]
    private static partial void LogDiscarded(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Token vector cache {Path} could not be saved: {Reason}. The next start will make them again.")]
    private static partial void LogSaveFailed(ILogger logger, string path, string reason);
}
