using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.VectorData;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.VectorStore;

/// <summary>
/// A passage as stored in the vector store: its embedding plus the fields callers filter on or show. The
/// attributes describe the default model (bge-small, 384 dimensions); <see cref="CreateDefinition"/> describes
/// the same record for whatever dimension the configured model has.
/// </summary>
internal sealed class PassageVectorRecord
{
    /// <summary>The default embedding dimension (bge-small-en-v1.5).</summary>
    public const int DefaultDimensions = 384;

    /// <summary>The passage id.</summary>
    [VectorStoreKey]
    public required string Id { get; init; }

    /// <summary>The paper the passage belongs to.</summary>
    [VectorStoreData(IsIndexed = true)]
    public required string PaperId { get; init; }

    /// <summary>The paper's title.</summary>
    [VectorStoreData(IsFullTextIndexed = true)]
    public required string Title { get; init; }

    /// <summary>The passage text.</summary>
    [VectorStoreData(IsFullTextIndexed = true)]
    public required string Text { get; init; }

    /// <summary>Publication date, when the listing gives one with a year (filterable: <c>r => r.Published &gt;= ...</c>).</summary>
    [VectorStoreData(IsIndexed = true)]
    public DateOnly? Published { get; init; }

    /// <summary>The file the paper was read from.</summary>
    [VectorStoreData(IsIndexed = true)]
    public required string SourceFile { get; init; }

    /// <summary>The passage embedding.</summary>
    [VectorStoreVector(DefaultDimensions, DistanceFunction = DistanceFunction.CosineSimilarity)]
    public ReadOnlyMemory<float> Vector { get; init; }

    /// <summary>The record of <paramref name="passage"/> of <paramref name="paper"/>.</summary>
    public static PassageVectorRecord Create(Paper paper, Passage passage, ReadOnlyMemory<float> vector)
    {
        ArgumentNullException.ThrowIfNull(paper);
        ArgumentNullException.ThrowIfNull(passage);
        return new PassageVectorRecord
        {
            Id = passage.Id,
            PaperId = paper.Id,
            Title = paper.Title,
            Text = passage.Text,
            Published = ParseDate(paper.Date),
            SourceFile = paper.SourceFile,
            Vector = vector,
        };
    }

    /// <summary>
    /// What the record of <paramref name="passage"/> holds apart from its vector, as a 128-bit digest: equal digests
    /// mean the stored record is current, so an update in place skips it.
    /// </summary>
    public static UInt128 Fingerprint(Paper paper, Passage passage)
    {
        ArgumentNullException.ThrowIfNull(paper);
        ArgumentNullException.ThrowIfNull(passage);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{passage.Id}\n{paper.Id}\n{paper.Title}\n{paper.Date}\n{paper.SourceFile}\n{passage.Text}"));
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>The collection definition for vectors of <paramref name="dimensions"/>.</summary>
    public static VectorStoreCollectionDefinition CreateDefinition(int dimensions) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Id), typeof(string)),
            new VectorStoreDataProperty(nameof(PaperId), typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(Title), typeof(string)) { IsFullTextIndexed = true },
            new VectorStoreDataProperty(nameof(Text), typeof(string)) { IsFullTextIndexed = true },
            new VectorStoreDataProperty(nameof(Published), typeof(DateOnly?)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(SourceFile), typeof(string)) { IsIndexed = true },
            new VectorStoreVectorProperty(nameof(Vector), typeof(ReadOnlyMemory<float>), dimensions) { DistanceFunction = DistanceFunction.CosineSimilarity },
        ],
    };

    // Listing dates are "Feb 22, 2024" or, for the current year, "Aug 15": only dates with a year are usable.
    private static DateOnly? ParseDate(string? date) =>
        DateOnly.TryParseExact(date, ["MMM d, yyyy", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : null;
}
