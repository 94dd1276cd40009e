namespace RagAssistant.Core.Ingestion;

/// <summary>One corpus file to read.</summary>
/// <param name="Path">Where to read it: its real path, symbolic links resolved.</param>
/// <param name="Relative">Its name as the user sees it, relative to the corpus folder with '/' separators (through a link when only a link reaches it).</param>
internal sealed record CorpusFile(string Path, string Relative);

/// <summary>
/// Lists the corpus folder's supported files (.txt, .md, .jsonl, .pdf) so that the walk always ends and reads each
/// thing once, whatever the folder holds: every real folder is listed once, known by its real path (symbolic links
/// and junctions resolved), so a link loop (<c>ln -s . loop</c>) costs nothing; every real file is listed once, under
/// its own name rather than a link's when both reach it. A link whose target lies outside the corpus folder is skipped
/// with one warning naming it and its target, unless <see cref="CorpusOptions.FollowExternalLinks"/> is on; a link
/// that cannot be resolved (broken, or a loop of links) is skipped with a warning. A folder that cannot be listed is
/// skipped with a warning; the rest is kept.
/// </summary>
internal static class CorpusFolderWalker
{
    /// <summary>File extensions the loader reads.</summary>
    public static readonly HashSet<string> SupportedExtensions = new(StringComparer.OrdinalIgnoreCase) { ".txt", ".md", ".jsonl", ".pdf" };

    // Linux's own limit on links followed while resolving one path (ELOOP).
    private const int MaxLinkDepth = 40;

    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private static readonly EnumerationOptions OneFolder = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        MatchType = MatchType.Simple,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Lists the supported files under <paramref name="folder"/>, in ordinal order of their relative names.</summary>
    /// <param name="folder">The corpus folder; it exists.</param>
    /// <param name="followExternalLinks">True to follow links whose target is outside the folder.</param>
    /// <param name="warnings">Receives what was skipped and why.</param>
    /// <param name="cancellationToken">Stops between folders.</param>
    /// <returns>The files, each real file once.</returns>
    /// <exception cref="IOException">The corpus folder itself cannot be resolved or listed.</exception>
    /// <exception cref="UnauthorizedAccessException">The corpus folder itself cannot be listed.</exception>
    public static List<CorpusFile> Walk(string folder, bool followExternalLinks, List<CorpusWarning> warnings, CancellationToken cancellationToken)
    {
        var root = RealPath(folder);
        var visited = new HashSet<string>(PathComparer) { root };
        var files = new Dictionary<string, (CorpusFile File, bool ViaLink)>(PathComparer);
        var folders = new Queue<(string Real, string Relative)>();
        var links = new Queue<(string Path, string Relative)>();

        // The folder itself must list; a sub-folder that cannot is a warning.
        List<FileSystemInfo> entries = [.. new DirectoryInfo(root).EnumerateFileSystemInfos("*", OneFolder)];
        Add(root, string.Empty, entries);

        // Real folders first, links after: a file reached both directly and through a link keeps its own name.
        while (folders.Count > 0 || links.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (folders.TryDequeue(out var next))
            {
                try
                {
                    entries = [.. new DirectoryInfo(next.Real).EnumerateFileSystemInfos("*", OneFolder)];
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    warnings.Add(new CorpusWarning(next.Relative, null, $"folder cannot be listed ({ex.Message}); skipped"));
                    continue;
                }

                Add(next.Real, next.Relative, entries);
            }
            else
            {
                var (path, relative) = links.Dequeue();
                FollowLink(path, relative);
            }
        }

        return [.. files.Values.Select(f => f.File).OrderBy(f => f.Relative, StringComparer.Ordinal)];

        void Add(string real, string relative, List<FileSystemInfo> children)
        {
            foreach (var entry in children)
            {
                var name = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
                if (entry.Attributes.HasFlag(FileAttributes.ReparsePoint) && entry.LinkTarget is not null)
                {
                    links.Enqueue((entry.FullName, name));
                }
                else if (entry is DirectoryInfo)
                {
                    var child = Path.Combine(real, entry.Name);
                    if (visited.Add(child))
                    {
                        folders.Enqueue((child, name));
                    }
                }
                else
                {
                    AddFile(Path.Combine(real, entry.Name), name, viaLink: false);
                }
            }
        }

        void FollowLink(string path, string relative)
        {
            string target;
            try
            {
                target = RealPath(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                warnings.Add(new CorpusWarning(relative, null, $"is a link that cannot be resolved ({ex.Message}); skipped"));
                return;
            }

            var isFolder = Directory.Exists(target);
            if (!isFolder && !IsSupported(relative))
            {
                return;
            }

            if (!isFolder && !File.Exists(target))
            {
                warnings.Add(new CorpusWarning(relative, null, $"is a broken link: its target {target} does not exist; skipped"));
                return;
            }

            if (!followExternalLinks && !IsInside(target, root))
            {
                warnings.Add(new CorpusWarning(relative, null,
                    $"links to {target}, outside the corpus folder; skipped. Set {CorpusOptions.SectionName}:{nameof(CorpusOptions.FollowExternalLinks)}=true to index what it links to"));
                return;
            }

            if (isFolder)
            {
                if (visited.Add(target))
                {
                    folders.Enqueue((target, relative));
                }
            }
            else
            {
                AddFile(target, relative, viaLink: true);
            }
        }

        void AddFile(string real, string relative, bool viaLink)
        {
            if (!IsSupported(relative) || (files.TryGetValue(real, out var known) && (viaLink || !known.ViaLink)))
            {
                return;
            }

            files[real] = (new CorpusFile(real, relative), viaLink);
        }
    }

    /// <summary>True when <paramref name="relative"/> has an extension the loader reads.</summary>
    public static bool IsSupported(string relative) => SupportedExtensions.Contains(Path.GetExtension(relative));

    /// <summary>
    /// The real path of <paramref name="path"/>: absolute, with every symbolic link (or junction) along it resolved,
    /// like POSIX <c>realpath</c>. A part that does not exist is kept as written.
    /// </summary>
    /// <exception cref="IOException">More than 40 links were followed (a loop of links).</exception>
    internal static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int depth)
    {
        if (depth > MaxLinkDepth)
        {
            throw new IOException($"too many levels of symbolic links at {path}");
        }

        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full) ?? string.Empty;
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                // A relative target is relative to the folder holding the link, which is real by now.
                next = RealPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target), depth + 1);
            }

            current = next;
        }

        return current;
    }

    private static bool IsInside(string path, string root) =>
        PathComparer.Equals(path, root) || path.StartsWith(Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar, PathComparer == StringComparer.Ordinal ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
}
