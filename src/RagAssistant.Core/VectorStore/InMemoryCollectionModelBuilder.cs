// Provider services are how connectors read a record type's model; the package version is pinned centrally.
#pragma warning disable MEVD9001

using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace RagAssistant.Core.VectorStore;

/// <summary>Reads a record type's key, data and vector properties (attributes or a definition) for the in-memory store.</summary>
internal sealed class InMemoryCollectionModelBuilder() : CollectionModelBuilder(BuildingOptions)
{
    private static readonly CollectionModelBuildingOptions BuildingOptions = new()
    {
        RequiresAtLeastOneVector = false,
        SupportsMultipleVectors = true,
    };

    /// <summary>Vector property types the store keeps as-is (anything else needs an embedding generator).</summary>
    internal static readonly Type[] VectorTypes = [typeof(ReadOnlyMemory<float>), typeof(ReadOnlyMemory<float>?), typeof(float[]), typeof(Embedding<float>)];

    // Records stay CLR objects in memory, so any data property type works.
    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = null;
        return true;
    }

    protected override bool IsVectorPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = "ReadOnlyMemory<float>, float[], Embedding<float>";
        return VectorTypes.Contains(type);
    }
}
