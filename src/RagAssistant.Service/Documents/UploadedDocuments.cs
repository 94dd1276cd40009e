using System.Globalization;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Documents;

/// <summary>
/// The documents a user added through the web chat: files in the <c>uploads</c> folder of the corpus folder, where
/// the corpus watcher (<see cref="Indexing.CorpusIndexingService"/>) picks them up and re-indexes. Every name is chosen
/// here from the client's file name reduced to letters, digits, '-' and '_' (no path from the client is used), with
/// one of the corpus extensions; content is checked for its type (a PDF starts with <c>%PDF-</c>, text has no NUL
/// byte) and read as the index build reads it (a document that would yield no paper is refused with the build's reason,
/// 422), and each file is written to a hidden temporary name first, so the watcher never reads half a file.
/// </summary>
internal sealed partial class UploadedDocuments(
    AssistantReadiness readiness,
    IConfiguration configuration,
    IOptions<ServiceOptions> options,
    IServiceProvider services,
    TimeProvider timeProvider,
    ILogger<UploadedDocuments> logger) : IDisposable
{
    /// <summary>The folder, inside the corpus folder, that uploads are written to.</summary>
    public const string FolderName = "uploads";

    /// <summary>The file types the corpus reads.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".md", ".txt", ".pdf", ".jsonl"];

    // The stem of a file whose name has no letter or digit.
    private const string DocumentStem = "document";

    // The index build's warnings end so ("not a readable PDF (...); skipped"); a refused upload was never in the corpus.
    private const string SkippedSuffix = "; skipped";

    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>The limits a client should check before sending, as the page shows them.</summary>
    public DocumentLimits Limits => new(options.Value.MaxDocumentBytes, options.Value.MaxDocumentsPerUpload, options.Value.MaxUploadedDocuments, Extensions);

    /// <summary>The uploaded documents, newest first, each with the papers the current index read from it.</summary>
    public DocumentList List()
    {
        var folder = UploadFolder();
        var files = folder is not null && Directory.Exists(folder)
            ? new DirectoryInfo(folder).EnumerateFiles().Where(f => IsDocument(f.Name)).OrderByDescending(f => f.LastWriteTimeUtc).ToList()
            : [];
        var catalog = readiness.HasIndex ? services.GetService<IPaperCatalog>() : null;
        var byFile = (catalog?.Papers ?? [])
            .SelectMany(p => p.SourceFiles.Select(file => (File: file.Replace('\\', '/'), Paper: p)))
            .Where(x => x.File.StartsWith(FolderName + "/", StringComparison.Ordinal))
            .ToLookup(x => x.File[(FolderName.Length + 1)..], x => new DocumentPaper(x.Paper.Id, x.Paper.Title), StringComparer.Ordinal);
        return new DocumentList(
            [.. files.Select(f => new UploadedDocument(f.Name, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero), byFile.Contains(f.Name), [.. byFile[f.Name]]))],
            Limits,
            folder is null ? "The corpus folder is not known yet; try again once the service is ready." : WatchRefusal());
    }

    /// <summary>
    /// Checks and writes <paramref name="files"/> into the uploads folder. Nothing is written unless every file passes:
    /// a bad file is named in the error with what to change. A file whose name an uploaded document already has
    /// replaces it when <paramref name="replace"/> is true; else it is saved under the next free name (<c>notes-2.md</c>)
    /// and the answer says so (<see cref="DocumentUpload.Renamed"/>), since both are then sources of the same title.
    /// </summary>
    /// <returns>What was saved, or the refusal (with its HTTP status).</returns>
    public async Task<(DocumentUpload? Saved, DocumentRefusal? Refusal)> SaveAsync(IFormFileCollection files, bool replace, CancellationToken cancellationToken)
    {
        var limits = Limits;
        if (UploadFolder() is not { } folder)
        {
            return (null, new("The corpus folder is not known yet; try again once the service is ready.", StatusCodes.Status503ServiceUnavailable));
        }

        if (WatchRefusal() is { } watch)
        {
            return (null, new(watch, StatusCodes.Status409Conflict));
        }

        if (files.Count == 0)
        {
            return (null, new("No file was sent: send the documents as multipart/form-data fields named \"files\".", StatusCodes.Status400BadRequest));
        }

        if (files.Count > limits.MaxFiles)
        {
            return (null, new($"{files.Count} files were sent; at most {limits.MaxFiles} are accepted at once (Service:MaxDocumentsPerUpload).", StatusCodes.Status400BadRequest));
        }

        foreach (var file in files)
        {
            if (Check(file, limits) is { } problem)
            {
                return (null, problem);
            }
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(folder);
            var existing = Directory.EnumerateFiles(folder).Count(f => IsDocument(Path.GetFileName(f)));
            // Replaced: only documents there before this upload (the same name twice in it is saved twice).
            var replaced = replace
                ? files.Select(f => SavedName(f.FileName)).Distinct(StringComparer.Ordinal).Where(n => File.Exists(Path.Combine(folder, n))).ToHashSet(StringComparer.Ordinal)
                : [];
            if (existing + files.Count - replaced.Count > limits.MaxDocuments)
            {
                return (null, new($"The uploads folder holds {existing} documents; at most {limits.MaxDocuments} are kept (Service:MaxUploadedDocuments). Remove some first.", StatusCodes.Status409Conflict));
            }

            if (FindCopy(files, folder, replaced) is { } copy)
            {
                return (null, copy);
            }

            var saved = new List<string>();
            var renamed = new List<RenamedDocument>();
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var name = SavedName(file.FileName);
                var overwrite = replaced.Contains(name) && !written.Contains(name);
                var savedAs = await WriteAsync(folder, file, overwrite, cancellationToken);
                saved.Add(savedAs);
                written.Add(name);
                if (savedAs != name)
                {
                    renamed.Add(new RenamedDocument(ClientFileName(file.FileName), name, savedAs));
                }
            }

            return (new DocumentUpload(saved, [.. replaced.Where(written.Contains).Order(StringComparer.Ordinal)], renamed, Notice(renamed)), null);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _writeGate.Dispose();

    /// <summary>
    /// Removes the uploaded document named <paramref name="name"/>, and the uploads folder with the last one (the
    /// service creates it with the first upload, so nothing is left behind in the corpus folder); false when there is
    /// no document by that name.
    /// </summary>
    public bool Delete(string name)
    {
        // Only a name this class could have chosen: never a path.
        if (UploadFolder() is not { } folder || !IsDocument(name) || SafeFileStem.From(Path.GetFileNameWithoutExtension(name), DocumentStem) != Path.GetFileNameWithoutExtension(name))
        {
            return false;
        }

        var path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            return false;
        }

        // Under the write gate: an upload creates the folder and writes into it as one step, which this must not split.
        _writeGate.Wait();
        try
        {
            File.Delete(path);
            LogDeleted(logger, name);
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
            {
                // Not recursive: anything put there meanwhile (by hand) keeps the folder.
                Directory.Delete(folder, recursive: false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !File.Exists(path))
        {
            // The folder was not empty after all (written by hand just now), or may not be removed (a systemd unit's
            // ReadWritePaths mount, a read-only corpus folder): the document is gone, the folder stays.
        }
        finally
        {
            _writeGate.Release();
        }

        return true;
    }

    private static DocumentRefusal? Check(IFormFile file, DocumentLimits limits)
    {
        var name = ClientFileName(file.FileName);
        var extension = Path.GetExtension(name).ToLowerInvariant();
        if (!Extensions.Contains(extension))
        {
            return new($"\"{name}\" is not a document the corpus reads: send .md, .txt, .pdf or .jsonl files.", StatusCodes.Status415UnsupportedMediaType);
        }

        if (file.Length == 0)
        {
            return new($"\"{name}\" is empty.", StatusCodes.Status400BadRequest);
        }

        if (file.Length > limits.MaxBytes)
        {
            return new($"\"{name}\" is {Megabytes(file.Length)}; documents may be at most {Megabytes(limits.MaxBytes)} (Service:MaxDocumentBytes).", StatusCodes.Status413PayloadTooLarge);
        }

        // The extension must match the content: a renamed binary would be indexed as garbage.
        var content = Content(file);
        var head = content.AsSpan(0, (int)Math.Min(BinaryContentDetector.SniffLength, content.Length));
        var isPdf = head.StartsWith("%PDF-"u8);
        if (extension == ".pdf" && !isPdf)
        {
            return new($"\"{name}\" is not a PDF (it does not start with %PDF-).", StatusCodes.Status415UnsupportedMediaType);
        }

        if (extension != ".pdf" && BinaryContentDetector.HoldsBinaryData(head))
        {
            return new($"\"{name}\" is not a text file (it holds binary data); .md, .txt and .jsonl documents must be text.", StatusCodes.Status415UnsupportedMediaType);
        }

        // Read as the index build will read it (a PDF PdfPig cannot open, a scan without text, a JSONL file without a
        // valid line): refused now with the build's reason, rather than saved and never indexed.
        if (CorpusLoader.WhyUnreadable(content, name) is { } unreadable)
        {
            var reason = unreadable.Message.EndsWith(SkippedSuffix, StringComparison.Ordinal) ? unreadable.Message[..^SkippedSuffix.Length] : unreadable.Message;
            return new($"\"{name}\" cannot be indexed, so it was not saved: {reason}.", StatusCodes.Status422UnprocessableEntity);
        }

        return null;
    }

    // A document whose content the corpus already has under another name (or that this upload sends twice) would be
    // merged by the index build into the one it copies, without a word: refused (409), naming that document, by the
    // build's own rule (CorpusLoader.FindIdenticalCopy). Nothing is lost: its text is searchable as that document.
    // Compared with the index's papers and the uploads saved since the index was built.
    // Neither a document this upload replaces (sending it again unchanged, with replace, is no copy) nor one removed
    // since the index was built (the page removes a copy, then sends the file again to replace the original).
    private DocumentRefusal? FindCopy(IFormFileCollection files, string folder, HashSet<string> replaced)
    {
        var catalog = readiness.HasIndex ? services.GetService<IPaperCatalog>() : null;
        var indexed = (catalog?.Papers ?? []).SelectMany(p => p.SourceFiles).Select(f => f.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
        bool Gone(string sourceFile) => UploadName(sourceFile) is { Length: > 0 } name && (replaced.Contains(name) || !File.Exists(Path.Combine(folder, name)));
        var known = (catalog?.Papers ?? []).Where(p => !p.SourceFiles.All(Gone)).ToList();
        foreach (var path in Directory.EnumerateFiles(folder).Where(f => IsDocument(Path.GetFileName(f)) && !replaced.Contains(Path.GetFileName(f))))
        {
            var relative = $"{FolderName}/{Path.GetFileName(path)}";
            if (!indexed.Contains(relative))
            {
                known.AddRange(CorpusLoader.ReadPapers(File.ReadAllBytes(path), relative));
            }
        }

        foreach (var file in files)
        {
            var name = ClientFileName(file.FileName);
            var content = Content(file);
            if (CorpusLoader.FindIdenticalCopy(content, name, known) is { } copies)
            {
                return new(Refusal(name, copies, files, file), StatusCodes.Status409Conflict);
            }

            known.AddRange(CorpusLoader.ReadPapers(content, name));
        }

        return null;
    }

    // Names what the document copies: the paper (and its file) for one paper, the file(s) and how many of the
    // document's papers for a listing dump (its first paper alone would hide that the whole file is a copy).
    private static string Refusal(string name, IdenticalCopies copies, IFormFileCollection files, IFormFile file)
    {
        var existing = copies.Copies[0].Existing;
        var sameUpload = copies.ExistingFiles.All(source => files.Any(f => !ReferenceEquals(f, file) && ClientFileName(f.FileName) == source));
        var where = string.Join(" and ", copies.ExistingFiles.Select(source => sameUpload ? $"\"{source}\"" : Where(source)));
        // One file sent: nothing else to send without it.
        var rest = files.Count > 1 ? " Nothing of this upload was saved; send the other files without it." : " Nothing was saved.";
        if (copies.Copies.Count == 1)
        {
            return sameUpload
                ? $"\"{name}\" has the same content as \"{existing.SourceFile}\" of this upload: send it once. Nothing of this upload was saved."
                : $"\"{name}\" has the same content as {where} (\"{existing.Title}\"), already in the corpus: it is searchable as that document, so it was not saved again.{rest}";
        }

        var papers = copies.Copies.Count == copies.DocumentPapers ? $"all {copies.DocumentPapers} of its papers" : $"{copies.Copies.Count} of its {copies.DocumentPapers} papers";
        return sameUpload
            ? $"\"{name}\" copies {where} of this upload ({papers}): send it once. Nothing of this upload was saved."
            : $"\"{name}\" copies {where}: {papers} are already in the corpus (the first: \"{existing.Title}\"), searchable as those documents, so it was not saved again.{rest}";
    }

    private static string Where(string sourceFile) =>
        sourceFile.Replace('\\', '/') is var source && source.StartsWith(FolderName + "/", StringComparison.Ordinal)
            ? $"the uploaded document \"{source[(FolderName.Length + 1)..]}\""
            : $"\"{sourceFile}\" of the corpus folder";

    private static byte[] Content(IFormFile file)
    {
        using var stream = file.OpenReadStream();
        var content = new byte[file.Length];
        stream.ReadExactly(content);
        return content;
    }

    // The name a client's file is saved under when it is free: letters, digits, '-' and '_', and its extension.
    private static string SavedName(string? fileName)
    {
        var clientName = ClientFileName(fileName);
        return SafeFileStem.From(Path.GetFileNameWithoutExtension(clientName), DocumentStem) + Path.GetExtension(clientName).ToLowerInvariant();
    }

    // The name in the uploads folder of a paper's source file, or "" for a file elsewhere in the corpus folder.
    private static string UploadName(string sourceFile) =>
        sourceFile.Replace('\\', '/') is var source && source.StartsWith(FolderName + "/", StringComparison.Ordinal) ? source[(FolderName.Length + 1)..] : string.Empty;

    private static string? Notice(List<RenamedDocument> renamed) => renamed.Count == 0 ? null : string.Join(" ", renamed.Select(r =>
        $"An uploaded document is already named \"{r.Existing}\": \"{r.Sent}\" was saved beside it as \"{r.SavedAs}\", and both are sources now. " +
        $"To replace \"{r.Existing}\" instead, send the file again with replace=true and remove \"{r.SavedAs}\" (DELETE /api/documents/{r.SavedAs})."));

    private async Task<string> WriteAsync(string folder, IFormFile file, bool overwrite, CancellationToken cancellationToken)
    {
        var name = SavedName(file.FileName);
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        for (var i = 2; !overwrite && File.Exists(Path.Combine(folder, name)); i++)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{stem}-{i}{extension}");
        }

        // Hidden while it is written: the watcher ignores names starting with '.', then sees one rename.
        var temporary = Path.Combine(folder, $".upload-{Guid.NewGuid():N}.partial");
        try
        {
            await using (var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await file.CopyToAsync(target, cancellationToken);
            }

            // One rename over the old file when replacing: the watcher never sees the name missing.
            File.Move(temporary, Path.Combine(folder, name), overwrite);
            File.SetLastWriteTimeUtc(Path.Combine(folder, name), timeProvider.GetUtcNow().UtcDateTime);
        }
        finally
        {
            File.Delete(temporary);
        }

        if (overwrite)
        {
            LogReplaced(logger, name, file.Length);
        }
        else
        {
            LogSaved(logger, name, file.Length);
        }

        return name;
    }

    /// <summary>The last segment of the client's name, whichever separator it used.</summary>
    private static string ClientFileName(string? fileName) =>
        (fileName ?? string.Empty).Split('/', '\\')[^1].Trim();

    private static bool IsDocument(string name) =>
        !name.StartsWith('.') && Extensions.Contains(Path.GetExtension(name).ToLowerInvariant());

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MB");

    private string? UploadFolder()
    {
        var corpus = readiness.Runtime?.CorpusFolder ?? configuration[CommandLineOverrides.CorpusFolderKey];
        return string.IsNullOrWhiteSpace(corpus) ? null : Path.Combine(corpus, FolderName);
    }

    private string? WatchRefusal() => options.Value.WatchCorpus
        ? null
        : "The corpus folder is not watched (Service:WatchCorpus=false), so an uploaded document would never be indexed. Turn watching on to add documents from the page.";

    [LoggerMessage(Level = LogLevel.Information, Message = "Saved uploaded document {Name} ({Bytes} bytes)")]
    private static partial void LogSaved(ILogger logger, string name, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replaced uploaded document {Name} ({Bytes} bytes)")]
    private static partial void LogReplaced(ILogger logger, string name, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed uploaded document {Name}")]
    private static partial void LogDeleted(ILogger logger, string name);
}

/// <summary>Why an upload was refused, with the HTTP status to answer.</summary>
internal sealed record DocumentRefusal(string Detail, int Status);

/// <summary>The limits on uploads.</summary>
/// <param name="MaxBytes">Largest document, in bytes.</param>
/// <param name="MaxFiles">Documents per upload.</param>
/// <param name="MaxDocuments">Uploaded documents kept at once.</param>
/// <param name="Extensions">Accepted file extensions, with their dot.</param>
internal sealed record DocumentLimits(long MaxBytes, int MaxFiles, int MaxDocuments, IReadOnlyList<string> Extensions);

/// <summary>Answer of <c>GET /api/documents</c>.</summary>
/// <param name="Documents">The uploaded documents, newest first.</param>
/// <param name="Limits">The limits uploads must keep.</param>
/// <param name="Unavailable">Why documents cannot be added now, or null.</param>
internal sealed record DocumentList(IReadOnlyList<UploadedDocument> Documents, DocumentLimits Limits, string? Unavailable);

/// <summary>One uploaded document.</summary>
/// <param name="Name">Its file name in the uploads folder (chosen by the service).</param>
/// <param name="SizeBytes">Its size in bytes.</param>
/// <param name="Uploaded">When it was saved.</param>
/// <param name="Indexed">True once the index has read it: it is searchable and can be cited.</param>
/// <param name="Papers">The papers the index read from it (a .jsonl file holds several).</param>
internal sealed record UploadedDocument(string Name, long SizeBytes, DateTimeOffset Uploaded, bool Indexed, IReadOnlyList<DocumentPaper> Papers);

/// <summary>A paper read from an uploaded document.</summary>
internal sealed record DocumentPaper(string Id, string Title);

/// <summary>Answer of <c>POST /api/documents</c>.</summary>
/// <param name="Saved">The names the documents were saved under; poll <c>GET /api/documents</c> until they are indexed.</param>
/// <param name="Replaced">The uploaded documents replaced (with <c>replace=true</c>), of those in <paramref name="Saved"/>.</param>
/// <param name="Renamed">The documents saved under another name than their own, because an uploaded document has it.</param>
/// <param name="Notice">What a person should know about <paramref name="Renamed"/>, with how to replace instead; null when none.</param>
internal sealed record DocumentUpload(IReadOnlyList<string> Saved, IReadOnlyList<string> Replaced, IReadOnlyList<RenamedDocument> Renamed, string? Notice);

/// <summary>A document saved beside an uploaded document of its name, rather than over it.</summary>
/// <param name="Sent">The name it was sent under.</param>
/// <param name="Existing">The uploaded document that has its name (what <c>replace=true</c> would replace).</param>
/// <param name="SavedAs">The name it was saved under.</param>
internal sealed record RenamedDocument(string Sent, string Existing, string SavedAs);
