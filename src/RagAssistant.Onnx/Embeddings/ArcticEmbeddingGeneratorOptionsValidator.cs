using Microsoft.Extensions.Options;

namespace RagAssistant.Onnx.Embeddings;

/// <summary>Validates <see cref="ArcticEmbeddingGeneratorOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class ArcticEmbeddingGeneratorOptionsValidator : IValidateOptions<ArcticEmbeddingGeneratorOptions>;
