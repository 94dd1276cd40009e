using Microsoft.Extensions.AI;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Tells the embedding generator whether it embeds a question or a passage, through
/// <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>["input_type"]; retrieval models such as bge
/// prefix questions with an instruction and leave passages as they are.
/// </summary>
public static class EmbeddingInputType
{
    /// <summary>The additional-property key.</summary>
    public const string Key = "input_type";

    /// <summary>Value for questions.</summary>
    public const string Query = "query";

    /// <summary>Value for passages.</summary>
    public const string Document = "document";

    /// <summary>Options that mark the input as <paramref name="inputType"/>.</summary>
    /// <param name="inputType"><see cref="Query"/> or <see cref="Document"/>.</param>
    /// <returns>New options with <see cref="Key"/> set in their additional properties.</returns>
    public static EmbeddingGenerationOptions Options(string inputType) =>
        new() { AdditionalProperties = new AdditionalPropertiesDictionary { [Key] = inputType } };

    /// <summary>A stable identity of the generator's model, for cache keys.</summary>
    /// <param name="generator">The embedding generator.</param>
    /// <returns>"provider|model id|dimensions" from its <see cref="EmbeddingGeneratorMetadata"/>, else its type name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="generator"/> is null.</exception>
    public static string ModelIdentity(IEmbeddingGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var metadata = generator.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata;
        return metadata is null
            ? generator.GetType().FullName ?? generator.GetType().Name
            : $"{metadata.ProviderName}|{metadata.DefaultModelId}|{metadata.DefaultModelDimensions}";
    }
}
