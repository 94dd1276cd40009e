using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

public sealed class EmbeddingCacheTests
{
    private const string Model = "test|bge-small.gguf@abc|3";
    private const string Corpus = "data/papers";

    [Fact]
    public void Saved_vectors_load_back_for_the_same_model()
    {
        using var folder = new TempFolder();
        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);
        var cache = EmbeddingCache.Load(path, Model);
        cache.Set("first passage", [1, 2, 3]);
        cache.Set("second passage", [4, 5, 6]);
        Assert.True(cache.Save());

        var loaded = EmbeddingCache.Load(path, Model);

        Assert.Null(loaded.DiscardReason);
        Assert.Equal(2, loaded.Count);
        Assert.True(loaded.TryGet("second passage", out var vector));
        Assert.Equal([4f, 5f, 6f], vector);
        Assert.False(loaded.TryGet("changed passage", out _));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp")); // the temporary file was renamed, not left behind
    }

    [Fact]
    public void Only_passages_used_since_loading_are_saved()
    {
        using var folder = new TempFolder();
        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);
        var cache = EmbeddingCache.Load(path, Model);
        cache.Set("kept", [1, 1, 1]);
        cache.Set("dropped", [2, 2, 2]);
        cache.Save();

        var second = EmbeddingCache.Load(path, Model);
        Assert.True(second.TryGet("kept", out _));
        second.Save();

        var third = EmbeddingCache.Load(path, Model);
        Assert.Equal(1, third.Count);
        Assert.False(third.TryGet("dropped", out _));
    }

    [Fact]
    public void Nothing_to_keep_writes_no_file_but_an_existing_file_is_still_pruned()
    {
        using var folder = new TempFolder();
        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);

        Assert.True(EmbeddingCache.Load(path, Model).Save());
        Assert.False(File.Exists(path)); // no empty file for a run that embedded nothing

        var first = EmbeddingCache.Load(path, Model);
        first.Set("gone", [1, 2, 3]);
        first.Save();
        Assert.True(EmbeddingCache.Load(path, Model).Save()); // nothing used since: the stale vector is dropped
        Assert.Equal(0, EmbeddingCache.Load(path, Model).Count);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void A_save_with_nothing_new_and_nothing_to_drop_does_not_rewrite_the_file()
    {
        using var folder = new TempFolder();
        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);
        var first = EmbeddingCache.Load(path, Model);
        first.Set("one", [1, 2, 3]);
        first.Set("two", [4, 5, 6]);
        Assert.True(first.Save());
        var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, old);
        Assert.True(first.Save()); // saved already
        Assert.Equal(old, File.GetLastWriteTimeUtc(path));

        var warm = EmbeddingCache.Load(path, Model);
        Assert.True(warm.TryGet("one", out _) && warm.TryGet("two", out _));
        Assert.True(warm.Save());
        Assert.Equal(old, File.GetLastWriteTimeUtc(path));

        var added = EmbeddingCache.Load(path, Model);
        Assert.True(added.TryGet("one", out _) && added.TryGet("two", out _));
        added.Set("three", [7, 8, 9]);
        Assert.True(added.Save());
        Assert.NotEqual(old, File.GetLastWriteTimeUtc(path));

        File.SetLastWriteTimeUtc(path, old);
        var dropped = EmbeddingCache.Load(path, Model);
        Assert.True(dropped.TryGet("one", out _));
        Assert.True(dropped.Save());
        Assert.NotEqual(old, File.GetLastWriteTimeUtc(path));
        Assert.Equal(1, EmbeddingCache.Load(path, Model).Count);
    }

    [Fact]
    public void Each_corpus_folder_has_its_own_file_whatever_the_spelling_of_its_path()
    {
        using var folder = new TempFolder();
        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);

        Assert.NotEqual(path, EmbeddingCache.PathFor(folder.Path, Model, "data/other"));
        Assert.Equal(path, EmbeddingCache.PathFor(folder.Path, Model, Path.GetFullPath(Corpus) + Path.DirectorySeparatorChar));
        Assert.Matches(@"embeddings-[0-9a-f]{16}\.bin$", path);
    }

    [Fact]
    public void Each_model_has_its_own_file_and_a_foreign_file_is_discarded()
    {
        using var folder = new TempFolder();
        Assert.NotEqual(EmbeddingCache.PathFor(folder.Path, Model, Corpus), EmbeddingCache.PathFor(folder.Path, "other|model|3", Corpus));

        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);
        var cache = EmbeddingCache.Load(path, "other|model|3");
        cache.Set("text", [1, 2, 3]);
        cache.Save(); // e.g. a file copied from another machine under this name

        var loaded = EmbeddingCache.Load(path, Model);

        Assert.Equal(0, loaded.Count);
        Assert.Contains("another embedding model", loaded.DiscardReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("garbage")]
    [InlineData("empty")]
    public void Corrupt_files_are_discarded_with_a_reason_never_thrown(string damage)
    {
        using var folder = new TempFolder();
        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);
        var cache = EmbeddingCache.Load(path, Model);
        cache.Set("text", [1, 2, 3]);
        cache.Save();
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flip":
                bytes[bytes.Length / 2] ^= 0xFF;
                File.WriteAllBytes(path, bytes);
                break;
            case "truncate":
                File.WriteAllBytes(path, bytes[..(bytes.Length - 7)]); // a write cut short
                break;
            case "garbage":
                File.WriteAllText(path, "not a cache at all, but long enough to have a header and a checksum trailer");
                break;
            default:
                File.WriteAllBytes(path, []);
                break;
        }

        var loaded = EmbeddingCache.Load(path, Model);

        Assert.Equal(0, loaded.Count);
        Assert.NotNull(loaded.DiscardReason);
        loaded.Set("text", [1, 2, 3]);
        Assert.True(loaded.Save());
        Assert.Equal(1, EmbeddingCache.Load(path, Model).Count); // rebuilt
    }

    [Theory]
    [InlineData("nan", 3)]
    [InlineData("infinity", 3)]
    [InlineData("nan", null)] // the model does not say its dimension: a NaN is still nonsense
    [InlineData("one dimension", 3)]
    [InlineData("zero vector", 3)]
    public void A_file_with_a_valid_checksum_but_senseless_vectors_is_discarded(string content, int? dimensions)
    {
        using var folder = new TempFolder();
        var path = EmbeddingCache.PathFor(folder.Path, Model, Corpus);
        var cache = EmbeddingCache.Load(path, Model);
        if (content != "one dimension")
        {
            cache.Set("good", [0.1f, 0.2f, 0.3f]);
        }

        cache.Set("text", content switch
        {
            "nan" => [0.1f, float.NaN, 0.3f],
            "infinity" => [float.PositiveInfinity, 0.2f, 0.3f],
            "zero vector" => [0f, 0f, 0f],
            _ => [0.5f], // every vector of the file one-dimensional, as a hand-made file would be
        });
        Assert.True(cache.Save()); // written whole, with its checksum

        var loaded = EmbeddingCache.Load(path, Model, dimensions);

        Assert.Equal(0, loaded.Count);
        Assert.StartsWith("holds ", loaded.DiscardReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_check_names_what_is_wrong_with_a_vector()
    {
        Assert.Null(EmbeddingCache.VectorProblem([0.1f, -0.2f, 0.3f], 3));
        Assert.Null(EmbeddingCache.VectorProblem([0.1f, -0.2f], null));
        Assert.Equal("a vector of 1 dimensions, where the embedding model makes 384", EmbeddingCache.VectorProblem([0.5f], 384));
        Assert.Equal("a non-finite value (NaN)", EmbeddingCache.VectorProblem([0.5f, float.NaN], null));
        Assert.Equal("an all-zero vector", EmbeddingCache.VectorProblem([0f, 0f], 2));
        Assert.NotNull(EmbeddingCache.VectorProblem([], null));
    }

    [Fact]
    public void A_cache_that_cannot_be_saved_is_logged_once_and_says_why()
    {
        using var folder = new TempFolder();
        var cacheFolder = Path.Combine(folder.Path, "cache");
        using var logs = new FakeLoggerProvider();
        var cache = EmbeddingCache.Load(EmbeddingCache.PathFor(cacheFolder, Model, Corpus), Model, 3, logs.CreateLogger("cache"));
        Assert.Null(cache.FolderProblem);
        cache.Set("text", [1, 2, 3]);

        // The folder becomes a file after the build started: no user, root included, can create the cache there.
        Directory.Delete(cacheFolder, recursive: true);
        File.WriteAllText(cacheFolder, "a file");
        for (var i = 0; i < 5; i++)
        {
            Assert.False(cache.Save());
        }

        Assert.NotNull(cache.SaveError);
        Assert.Single(logs.Collector.GetSnapshot(), r => r.Message.Contains("could not be saved", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unusable_cache_folder_is_found_when_the_cache_is_loaded_and_nothing_is_written()
    {
        using var folder = new TempFolder();
        var blocked = folder.Write("not-a-folder", "a file");
        using var logs = new FakeLoggerProvider();
        var cache = EmbeddingCache.Load(EmbeddingCache.PathFor(blocked, Model, Corpus), Model, 3, logs.CreateLogger("cache"));
        cache.Set("text", [1, 2, 3]);

        Assert.Equal("is a file, not a folder", cache.FolderProblem);
        Assert.False(cache.Save());
        Assert.Equal("a file", File.ReadAllText(blocked));
        Assert.Empty(logs.Collector.GetSnapshot()); // said once, by the build's warning (PassageEmbeddingJob.CacheWarning)
    }

    [Fact]
    public void The_folder_check_says_what_is_wrong_and_creates_a_missing_folder()
    {
        using var folder = new TempFolder();
        var file = folder.Write("afile", "x");
        var missing = Path.Combine(folder.Path, "new", "cache");

        Assert.Equal("is a file, not a folder", EmbeddingCache.FolderProblemOf(file));
        Assert.StartsWith("cannot be created (", EmbeddingCache.FolderProblemOf(Path.Combine(file, "sub")), StringComparison.Ordinal);
        Assert.Null(EmbeddingCache.FolderProblemOf(missing));
        Assert.True(Directory.Exists(missing));
        Assert.Empty(Directory.GetFileSystemEntries(missing)); // the write probe is gone
        if (OperatingSystem.IsLinux())
        {
            // Not writable even by root: the kernel's own file systems.
            Assert.StartsWith("cannot be created (", EmbeddingCache.FolderProblemOf("/proc/nope"), StringComparison.Ordinal);
            Assert.StartsWith("is not writable (", EmbeddingCache.FolderProblemOf("/proc/self"), StringComparison.Ordinal);
        }
    }
}
