using Microsoft.Extensions.Options;

namespace RagAssistant.LlamaCpp.Embeddings;

/// <summary>Validates <see cref="LlamaEmbeddingGeneratorOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class LlamaEmbeddingGeneratorOptionsValidator : IValidateOptions<LlamaEmbeddingGeneratorOptions>;
