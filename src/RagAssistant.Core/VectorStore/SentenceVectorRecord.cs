using Microsoft.Extensions.VectorData;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.VectorStore;

/// <summary>
/// A source sentence's embedding as stored in the vector store, keyed by the SHA-256 of the sentence (as
/// <see cref="Evidence.SourceSentences.Split"/> gives it), so a sentence shared by passages is stored once.
/// </summary>
internal sealed class SentenceVectorRecord
{
    /// <summary>The lower-case hex SHA-256 of the sentence (<see cref="EmbeddingCache.HashText"/>).</summary>
    [VectorStoreKey]
    public required string Id { get; init; }

    /// <summary>The sentence embedding.</summary>
    [VectorStoreVector(PassageVectorRecord.DefaultDimensions, DistanceFunction = DistanceFunction.CosineSimilarity)]
    public ReadOnlyMemory<float> Vector { get; init; }

    /// <summary>The collection definition for vectors of <paramref name="dimensions"/>.</summary>
    public static VectorStoreCollectionDefinition CreateDefinition(int dimensions) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Id), typeof(string)),
            new VectorStoreVectorProperty(nameof(Vector), typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = DistanceFunction.CosineSimilarity },
        ],
    };
}
