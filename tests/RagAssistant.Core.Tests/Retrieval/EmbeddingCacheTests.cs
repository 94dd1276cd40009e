using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Tests.Corpus;

namespace RagAssistant.Core.Tests.Retrieval;

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
}
