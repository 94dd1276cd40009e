using Microsoft.Extensions.AI;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Marks every request as a query (<see cref="EmbeddingInputType.Query"/>), for callers that cannot pass options,
/// such as Semantic Kernel's text search: the model then applies its query instruction prefix.
/// </summary>
public sealed class QueryEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    /// <inheritdoc/>
    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = options?.Clone() ?? new EmbeddingGenerationOptions();
        options.AdditionalProperties ??= [];
        options.AdditionalProperties[EmbeddingInputType.Key] = EmbeddingInputType.Query;
        return base.GenerateAsync(values, options, cancellationToken);
    }
}
