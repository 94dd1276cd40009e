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
    IReadOnlyList<ReadOnlyMemory<float>>? passageVectors)
{
    private readonly Dictionary<string, Paper> _paperById = papers.ToDictionary(p => p.Id, StringComparer.Ordinal);
    private readonly Dictionary<string, int> _passageOrdinal = passages.Select((p, i) => (p.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);

    public IReadOnlyList<Paper> Papers { get; } = papers;

    public IReadOnlyList<Passage> Passages { get; } = passages;

    public Bm25Index Bm25 { get; } = bm25;

    /// <summary>The dense index, or null when no embedding model is available.</summary>
    public VectorStoreCollection<string, PassageVectorRecord>? Vectors { get; } = vectors;

    /// <summary>Passage embeddings by passage ordinal (same order as <see cref="Passages"/>), when dense is available.</summary>
    public IReadOnlyList<ReadOnlyMemory<float>>? PassageVectors { get; } = passageVectors;

    public Paper? GetPaper(string id) => _paperById.GetValueOrDefault(id);

    public Paper PaperOf(Passage passage) => _paperById[passage.PaperId];

    public int? OrdinalOf(string passageId) => _passageOrdinal.TryGetValue(passageId, out var ordinal) ? ordinal : null;
}
