using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel.Data;
using RagAssistant.Core.Tests.Retrieval;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.VectorStore;

public sealed class InMemoryVectorStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Collections_are_created_listed_and_deleted()
    {
        using var store = new InMemoryVectorStore();
        var collection = store.GetCollection<string, Note>("notes");

        Assert.False(await collection.CollectionExistsAsync(Ct));
        await collection.EnsureCollectionExistsAsync(Ct);
        Assert.True(await store.CollectionExistsAsync("notes", Ct));
        Assert.Equal(["notes"], await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));

        await store.EnsureCollectionDeletedAsync("notes", Ct);
        Assert.False(await collection.CollectionExistsAsync(Ct));
        await Assert.ThrowsAsync<VectorStoreException>(() => collection.UpsertAsync(Note.Of("a", 1, 0), Ct));
    }

    [Fact]
    public async Task Upsert_get_replace_and_delete_records()
    {
        using var store = new InMemoryVectorStore();
        var collection = await CreateAsync(store);

        Assert.Equal("north", (await collection.GetAsync("n", cancellationToken: Ct))!.Label);
        await collection.UpsertAsync(Note.Of("n", 0, 1, label: "north again"), Ct);
        Assert.Equal("north again", (await collection.GetAsync("n", cancellationToken: Ct))!.Label);

        await collection.DeleteAsync("n", Ct);
        Assert.Null(await collection.GetAsync("n", cancellationToken: Ct));
        var results = await collection.SearchAsync(new ReadOnlyMemory<float>([0, 1]), 10, cancellationToken: Ct).ToListAsync(Ct);
        Assert.DoesNotContain(results, r => r.Record.Id == "n");
        Assert.Equal(3, results.Count);
    }

    [Fact]
    public async Task Each_vector_is_held_once_in_the_index_and_read_back_only_when_asked()
    {
        using var store = new InMemoryVectorStore();
        var collection = await CreateAsync(store);
        var given = Note.Of("far", 3, 4, "far north-east");
        await collection.UpsertAsync(given, Ct);

        // The stored record is a copy without the vector (the caller's array is not kept).
        var plain = await collection.GetAsync("far", cancellationToken: Ct);
        Assert.NotSame(given, plain);
        Assert.Equal(("far", "far north-east", 0), (plain!.Id, plain.Label, plain.Vector.Length));
        var found = await collection.SearchAsync(new ReadOnlyMemory<float>([3, 4]), 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal(0, found.Record.Vector.Length);

        // Asked for, the vector comes from the index: unit length, as the cosine collection stores it.
        var withVector = await collection.GetAsync("far", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal([0.6f, 0.8f], withVector!.Vector.ToArray());
        var searched = await collection.SearchAsync(new ReadOnlyMemory<float>([3, 4]), 1, new VectorSearchOptions<Note> { IncludeVectors = true }, Ct).SingleAsync(Ct);
        Assert.Equal([0.6f, 0.8f], searched.Record.Vector.ToArray());
        var many = await collection.GetAsync(["far", "n", "missing"], new RecordRetrievalOptions { IncludeVectors = true }, Ct).ToListAsync(Ct);
        Assert.Equal(["far", "n"], many.Select(r => r.Id));
        Assert.Equal([0f, 1f], many[1].Vector.ToArray());
    }

    [Fact]
    public async Task Search_ranks_by_cosine_similarity_with_top_and_skip()
    {
        using var store = new InMemoryVectorStore();
        var collection = await CreateAsync(store);

        var results = await collection.SearchAsync(new ReadOnlyMemory<float>([10, 1]), 2, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal(["e", "ne"], results.Select(r => r.Record.Id));
        Assert.Equal(10 / Math.Sqrt(101), results[0].Score!.Value, 5); // cosine, independent of the query's length
        Assert.Equal(11 / Math.Sqrt(101) / Math.Sqrt(2), results[1].Score!.Value, 5);

        var skipped = await collection.SearchAsync(new ReadOnlyMemory<float>([10, 1]), 2, new VectorSearchOptions<Note> { Skip = 1 }, Ct).ToListAsync(Ct);
        Assert.Equal(["ne", "n"], skipped.Select(r => r.Record.Id));
    }

    [Fact]
    public async Task Search_applies_filters_on_record_fields_and_the_score_threshold()
    {
        using var store = new InMemoryVectorStore();
        var collection = await CreateAsync(store);
        var cutoff = new DateOnly(2024, 1, 1);

        var recent = await collection.SearchAsync(new ReadOnlyMemory<float>([1, 0]), 10, new VectorSearchOptions<Note> { Filter = n => n.Published >= cutoff }, Ct).ToListAsync(Ct);
        Assert.Equal(["ne", "w"], recent.Select(r => r.Record.Id));

        var close = await collection.SearchAsync(new ReadOnlyMemory<float>([1, 0]), 10, new VectorSearchOptions<Note> { ScoreThreshold = 0.5 }, Ct).ToListAsync(Ct);
        Assert.Equal(["e", "ne"], close.Select(r => r.Record.Id));

        var byLabel = await collection.GetAsync(n => n.Label.StartsWith('n'), 10, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(["n", "ne"], byLabel.Select(n => n.Id).Order());

        var ordered = await collection.GetAsync(n => true, 2, new FilteredRecordRetrievalOptions<Note> { OrderBy = o => o.Descending(n => n.Label) }, Ct).ToListAsync(Ct);
        Assert.Equal(["w", "ne"], ordered.Select(n => n.Id));
    }

    [Fact]
    public async Task Vectors_of_the_wrong_dimension_are_rejected_without_changing_the_collection()
    {
        using var store = new InMemoryVectorStore();
        var collection = await CreateAsync(store);

        await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(new Note { Id = "n", Label = "bad", Vector = new float[] { 1, 2, 3 } }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await collection.SearchAsync(new ReadOnlyMemory<float>([1, 2, 3]), 1, cancellationToken: Ct).ToListAsync(Ct));

        Assert.Equal("north", (await collection.GetAsync("n", cancellationToken: Ct))!.Label);
    }

    [Fact]
    public async Task Text_search_uses_the_configured_embedding_generator_and_works_with_semantic_kernel()
    {
        using var generator = new HashingEmbeddingGenerator(dimensions: 32);
        using var store = new InMemoryVectorStore(generator);
        var collection = store.GetCollection<string, Note>("text", new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Note.Id), typeof(string)),
                new VectorStoreDataProperty(nameof(Note.Label), typeof(string)),
                new VectorStoreDataProperty(nameof(Note.Published), typeof(DateOnly?)),
                new VectorStoreVectorProperty(nameof(Note.Vector), typeof(ReadOnlyMemory<float>), 32),
            ],
        });
        await collection.EnsureCollectionExistsAsync(Ct);
        var texts = new[] { "pruning transformer weights", "retrieval augmented generation", "speech recognition audio" };
        var embeddings = await generator.GenerateAsync(texts, cancellationToken: Ct);
        await collection.UpsertAsync(texts.Select((t, i) => new Note { Id = t, Label = t, Vector = embeddings[i].Vector }), Ct);

        var direct = await collection.SearchAsync("audio speech", 1, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal("speech recognition audio", direct[0].Record.Label);

        var textSearch = new VectorStoreTextSearch<Note>(collection, generator, new LabelMapper(), new LabelResultMapper());
        var found = await ((ITextSearch<Note>)textSearch).GetTextSearchResultsAsync("augmented retrieval", new TextSearchOptions<Note> { Top = 1 }, Ct);
        var first = await found.Results.FirstAsync(Ct);
        Assert.Equal("retrieval augmented generation", first.Value);
    }

    [Fact]
    public void Unsupported_distance_functions_are_rejected_clearly()
    {
        using var store = new InMemoryVectorStore();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Note.Id), typeof(string)),
                new VectorStoreVectorProperty(nameof(Note.Vector), typeof(ReadOnlyMemory<float>), 2) { DistanceFunction = DistanceFunction.HammingDistance },
            ],
        };

        var error = Assert.Throws<NotSupportedException>(() => store.GetCollection<string, Note>("h", definition));
        Assert.Contains(DistanceFunction.CosineSimilarity, error.Message, StringComparison.Ordinal);
    }

    private static async Task<VectorStoreCollection<string, Note>> CreateAsync(InMemoryVectorStore store)
    {
        var collection = store.GetCollection<string, Note>("compass");
        await collection.EnsureCollectionExistsAsync(Ct);
        await collection.UpsertAsync(
        [
            Note.Of("n", 0, 1, "north", new DateOnly(2023, 5, 1)),
            Note.Of("e", 1, 0, "east", new DateOnly(2022, 1, 1)),
            Note.Of("ne", 1, 1, "north-east", new DateOnly(2024, 2, 1)),
            Note.Of("w", -1, 0, "west", new DateOnly(2025, 1, 1)),
        ], Ct);
        return collection;
    }

    public sealed class Note
    {
        [VectorStoreKey]
        public required string Id { get; init; }

        [VectorStoreData(IsIndexed = true)]
        public required string Label { get; init; }

        [VectorStoreData(IsIndexed = true)]
        public DateOnly? Published { get; init; }

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> Vector { get; init; }

        public static Note Of(string id, float x, float y, string? label = null, DateOnly? published = null) =>
            new() { Id = id, Label = label ?? id, Vector = new[] { x, y }, Published = published };
    }

    private sealed class LabelMapper : ITextSearchStringMapper
    {
        public string MapFromResultToString(object result) => ((Note)result).Label;
    }

    private sealed class LabelResultMapper : ITextSearchResultMapper
    {
        public TextSearchResult MapFromResultToTextSearchResult(object result) => new(((Note)result).Label) { Name = ((Note)result).Id };
    }
}
