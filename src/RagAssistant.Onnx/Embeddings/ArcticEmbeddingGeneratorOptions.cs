using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Onnx.Embeddings;

/// <summary>How the bundled arctic-embed-xs model runs (configuration section "EmbeddingModel:Bundled").</summary>
public sealed class ArcticEmbeddingGeneratorOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "EmbeddingModel:Bundled";

    /// <summary>The prefix arctic-embed was trained with for search queries; documents get none.</summary>
    public const string DefaultQueryPrefix = "Represent this sentence for searching relevant passages: ";

    /// <summary>ONNX Runtime intra-op threads; 0 = the logical processors. The application (RagAssistant.Hosting) sets the physical cores instead, as for the chat model.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>Texts per ONNX Runtime call. Texts are grouped by token length first, so a batch pads little.</summary>
    [Range(1, 1024)]
    public int MaxBatchTexts { get; set; } = 16;

    /// <summary>Prefix put before every query (input_type "query").</summary>
    public string QueryPrefix { get; set; } = DefaultQueryPrefix;
}
