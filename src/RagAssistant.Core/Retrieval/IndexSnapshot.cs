using Microsoft.Extensions.VectorData;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Retrieval;

/// <summary>One immutable build of the index; searches read a snapshot while the next build is prepared.</summary>
internal sealed class IndexSnapshot(
    IReadOnlyList<Paper> papers,
    IReadOnlyList<Passage> passages,
    Bm25Index bm25,
    VectorStoreCollection<string, PassageVectorRecord>? vectors,
    VectorStoreCollection<string, PassageVectorRecord>? secondVectors = null,
    TokenVectors? tokens = null)
{
    private readonly Dictionary<string, Paper> _paperById = papers.ToDictionary(p => p.Id, StringComparer.Ordinal);
    private readonly Dictionary<string, int> _passageOrdinal = passages.Select((p, i) => (p.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);

    public IReadOnlyList<Paper> Papers { get; } = papers;

    public IReadOnlyList<Passage> Passages { get; } = passages;

    /// <summary>Each passage's paper, as its index in <see cref="Papers"/>, by passage ordinal.</summary>
    public IReadOnlyList<int> PaperOrdinals { get; } = OrdinalsOfPapers(papers, passages);

    public Bm25Index Bm25 { get; } = bm25;

    /// <summary>
    /// The passage collection, the one home of the passage vectors (the index keeps no copy), or null while dense
    /// search is unavailable (no embedding model, vectors pending, embedding failed).
    /// </summary>
    public VectorStoreCollection<string, PassageVectorRecord>? Vectors { get; } = vectors;

    /// <summary>
    /// The second dense retriever's passage collection (<see cref="RetrievalOptions.SecondDenseWeight"/>), or null
    /// while it is off, pending or failed; only with <see cref="Vectors"/>.
    /// </summary>
    public VectorStoreCollection<string, PassageVectorRecord>? SecondVectors { get; } = vectors is null ? null : secondVectors;

    /// <summary>
    /// The second embedder's token vectors of every passage, by ordinal (<see cref="RetrievalOptions.TokenMatchWeight"/>),
    /// or null while they are off, pending or failed; only with <see cref="SecondVectors"/>.
    /// </summary>
    public TokenVectors? Tokens { get; } = vectors is null || secondVectors is null || tokens?.Count != passages.Count ? null : tokens;

    /// <summary>This build with the second dense retriever's passage collection added (its vectors are all stored).</summary>
    public IndexSnapshot WithSecondVectors(VectorStoreCollection<string, PassageVectorRecord> collection) => new(Papers, Passages, Bm25, Vectors, collection, Tokens);

    /// <summary>This build with the token vectors of its passages added (made from <see cref="Passages"/>, by ordinal).</summary>
    public IndexSnapshot WithTokens(TokenVectors tokens) => new(Papers, Passages, Bm25, Vectors, SecondVectors, tokens);

    /// <summary>
    /// The stored vectors of the passages at <paramref name="ordinals"/>, read from <see cref="Vectors"/> (or
    /// <see cref="SecondVectors"/>) in one request (unit length: the collections are cosine). A passage whose record
    /// is gone (a build updating the collection meanwhile) is left out.
    /// </summary>
    /// <param name="ordinals">Passage ordinals in <see cref="Passages"/>; repeats are read once.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <param name="second">True = the second dense retriever's vectors.</param>
    /// <returns>Vector by ordinal.</returns>
    /// <exception cref="InvalidOperationException">The snapshot has no such vectors.</exception>
    public async Task<Dictionary<int, ReadOnlyMemory<float>>> PassageVectorsAsync(IEnumerable<int> ordinals, CancellationToken cancellationToken, bool second = false)
    {
        var collection = (second ? SecondVectors : Vectors) ?? throw new InvalidOperationException("This snapshot has no passage vectors.");
        var ids = ordinals.Distinct().Select(o => Passages[o].Id).ToList();
        var vectors = new Dictionary<int, ReadOnlyMemory<float>>(ids.Count);
        await foreach (var record in collection.GetAsync(ids, new RecordRetrievalOptions { IncludeVectors = true }, cancellationToken).ConfigureAwait(false))
        {
            if (OrdinalOf(record.Id) is { } ordinal)
            {
                vectors[ordinal] = record.Vector;
            }
        }

        return vectors;
    }

    public Paper? GetPaper(string id) => _paperById.GetValueOrDefault(id);

    public Paper PaperOf(Passage passage) => _paperById[passage.PaperId];

    public int? OrdinalOf(string passageId) => _passageOrdinal.TryGetValue(passageId, out var ordinal) ? ordinal : null;

    private static int[] OrdinalsOfPapers(IReadOnlyList<Paper> papers, IReadOnlyList<Passage> passages)
    {
        var paperOrdinal = papers.Select((paper, i) => (paper.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        return passages.Select(p => paperOrdinal[p.PaperId]).ToArray();
    }
}
