using System.Security.Cryptography;
using System.Text;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Which document holds which paper id, so an id stays with its document although ids are recomputed at every load.
/// A title's id (<see cref="PaperIdentity.CreateId"/>) can be held by one document only; another document of that
/// title gets a hash of its content appended. Without memory the first in some order would win, and a document
/// added later whose file sorts first (<c>lora-notes-2.md</c> before <c>lora-notes.md</c>) would take the id that
/// answers and exports already cite. So the ids a load gave are kept in a small file of the cache folder
/// (<c>paper-ids/{key of the corpus folder}.tsv</c>), and the next load gives each document it recognises its
/// remembered id: by a file it was read from (unchanged, edited in place, or replaced by another version), else by the
/// same content (a document moved or renamed), as long as the id still fits its title. Only documents it does not recognise get ids
/// anew, in a fixed order (<see cref="Assign"/>). A file that cannot be read or written only means ids are assigned
/// anew, by that order.
/// </summary>
/// <param name="cacheFolder">The cache folder (absolute); the ledger is a file in its <c>paper-ids</c> sub-folder.</param>
public sealed class PaperIdLedger(string cacheFolder)
{
    /// <summary>The ledger file of <paramref name="corpusFolder"/>.</summary>
    /// <param name="corpusFolder">The corpus folder; relative paths are made absolute against the working directory.</param>
    public string PathFor(string corpusFolder)
    {
        var corpus = Path.TrimEndingDirectorySeparator(Path.GetFullPath(corpusFolder));
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(corpus)).AsSpan(0, 8));
        // A sub-folder: the cache folder's own files are the embedding caches.
        return Path.Combine(cacheFolder, "paper-ids", key + ".tsv");
    }

    /// <summary>The ids remembered for <paramref name="corpusFolder"/>; none when there is no readable ledger.</summary>
    internal IReadOnlyList<PaperIdRecord> Read(string corpusFolder)
    {
        try
        {
            var path = PathFor(corpusFolder);
            return File.Exists(path)
                ? [.. File.ReadAllLines(path).Select(line => line.Split('\t')).Where(f => f.Length >= 2).Select(f => new PaperIdRecord(f[0], f[1], f[2..]))]
                : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Remembers the ids of this load (only when they changed); a failure is ignored.</summary>
    internal void Write(string corpusFolder, IReadOnlyList<PaperIdRecord> records)
    {
        // A file name holding a tab or a line break cannot be a field: such a document is recognised by content alone.
        var text = string.Concat(records.Select(r =>
            string.Join('\t', [r.Id, r.ContentHash, .. r.Files.Where(f => f.IndexOfAny(['\t', '\r', '\n']) < 0)]) + "\n"));
        var path = PathFor(corpusFolder);
        var temporary = path + ".tmp";
        try
        {
            if (records.Count == 0 || (File.Exists(path) && File.ReadAllText(path) == text))
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not remembered: the next load assigns the ids anew, by the same order.
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>
    /// The id of each document. First every remembered id goes back to its document (the same file and content, else
    /// the same file, else the same content; the id must still start with the title's id); then each document not recognised, ordered by the length
    /// of its file's name, then its path (ordinal), then its line, gets its title's id when no document holds it, else
    /// that id and a dash and the first 8 hex digits of its content hash. The order prefers an original to the copies
    /// and versions saved beside it ("notes.md" before "notes-2.md", "notes (1).md", "notes - Copy.md"), which every
    /// naming scheme makes longer, so even without a ledger an original keeps its id.
    /// </summary>
    /// <param name="documents">The documents, in corpus order.</param>
    /// <param name="remembered">The ledger's records (<see cref="Read"/>).</param>
    /// <returns>The ids, in the order of <paramref name="documents"/>, all distinct.</returns>
    internal static string[] Assign(IReadOnlyList<PaperIdClaim> documents, IReadOnlyList<PaperIdRecord> remembered)
    {
        var ids = new string?[documents.Count];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var claimed = new bool[remembered.Count];

        // The records by file and by content, in ledger order: a document looks only at the few that share one with it,
        // so a load stays linear in the number of documents.
        var byFile = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byContent = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var r = 0; r < remembered.Count; r++)
        {
            foreach (var file in remembered[r].Files.Distinct(StringComparer.Ordinal))
            {
                (byFile.TryGetValue(file, out var list) ? list : byFile[file] = []).Add(r);
            }

            (byContent.TryGetValue(remembered[r].ContentHash, out var same) ? same : byContent[remembered[r].ContentHash] = []).Add(r);
        }

        IEnumerable<int> SharingAFile(PaperIdClaim d) => d.Files.SelectMany(f => byFile.GetValueOrDefault(f) ?? []).Distinct().Order();
        IEnumerable<int> SameContent(PaperIdClaim d) => byContent.GetValueOrDefault(d.ContentHash) ?? [];

        // Unchanged (same content in a file it was in), then edited in place or replaced (a file it was in), then
        // moved or renamed (the same content elsewhere): a file that now holds another version keeps its id.
        Func<PaperIdClaim, IEnumerable<int>>[] passes =
        [
            d => SharingAFile(d).Where(r => remembered[r].ContentHash == d.ContentHash),
            SharingAFile,
            SameContent,
        ];
        foreach (var candidates in passes)
        {
            for (var i = 0; i < documents.Count; i++)
            {
                var document = documents[i];
                if (ids[i] is not null)
                {
                    continue;
                }

                foreach (var r in candidates(document))
                {
                    if (!claimed[r] && Fits(remembered[r].Id, document.TitleId) && taken.Add(remembered[r].Id))
                    {
                        ids[i] = remembered[r].Id;
                        claimed[r] = true;
                        break;
                    }
                }
            }
        }

        var fresh = Enumerable.Range(0, documents.Count).Where(i => ids[i] is null)
            .OrderBy(i => Path.GetFileName(documents[i].Files[0]).Length)
            .ThenBy(i => documents[i].Files[0], StringComparer.Ordinal)
            .ThenBy(i => documents[i].Line);
        foreach (var i in fresh)
        {
            var document = documents[i];
            var id = document.TitleId;
            for (var n = 1; !taken.Add(id); n++)
            {
                // The content hash makes the id of a document of a shared title; a count only if even that is held.
                id = n == 1 ? $"{document.TitleId}-{document.ContentHash[..8]}" : $"{document.TitleId}-{document.ContentHash[..8]}-{n}";
            }

            ids[i] = id;
        }

        return ids!;
    }

    /// <summary>The hash of a document's content as the ledger and the id suffix use it: 16 lower-case hex digits.</summary>
    internal static string HashOf(string content) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)).AsSpan(0, 8));

    private static bool Fits(string id, string titleId) =>
        id.Length >= titleId.Length && id.StartsWith(titleId, StringComparison.Ordinal) && (id.Length == titleId.Length || id[titleId.Length] == '-');
}

/// <summary>A document asking for an id.</summary>
/// <param name="TitleId">Its title's id (<see cref="PaperIdentity.CreateId"/>).</param>
/// <param name="ContentHash">Its content's hash (<see cref="PaperIdLedger.HashOf"/>).</param>
/// <param name="Files">The files it was read from, the one it is read from first.</param>
/// <param name="Line">Its line in that file.</param>
internal sealed record PaperIdClaim(string TitleId, string ContentHash, IReadOnlyList<string> Files, int Line);

/// <summary>An id a load gave: the document's content hash and files, to recognise it by.</summary>
internal sealed record PaperIdRecord(string Id, string ContentHash, IReadOnlyList<string> Files);
