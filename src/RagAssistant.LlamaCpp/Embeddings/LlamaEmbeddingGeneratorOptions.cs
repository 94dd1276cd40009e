using System.ComponentModel.DataAnnotations;
using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Embeddings;

/// <summary>The embedding model and how it runs (configuration section "EmbeddingModel"), validated at start.</summary>
public sealed class LlamaEmbeddingGeneratorOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "EmbeddingModel";

    /// <summary>
    /// GGUF file of the embedding model. Whether it exists is checked when <see cref="LlamaEmbeddingGenerator"/> loads it
    /// (<see cref="Gguf.ModelFileException"/>, naming the file), not by validation: a composition may start without a
    /// model that is not downloaded yet.
    /// </summary>
    [Required(ErrorMessage = "EmbeddingModel:ModelPath is required: set it in appsettings.json or pass --embedding-model FILE.")]
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>Most tokens per text (longer texts are truncated to it, with a warning in the log); also the batch size in tokens.</summary>
    [Range(16, 65_536)]
    public int ContextSize { get; set; } = 512;

    /// <summary>Texts embedded per llama.cpp call.</summary>
    [Range(1, 256)]
    public int MaxBatchTexts { get; set; } = 16;

    /// <summary>CPU threads; 0 = half the logical processors (LLamaSharp's default). The application (RagAssistant.Hosting) sets the physical cores instead.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>Layers offloaded to the GPU; null = all on CUDA, none on CPU; -1 = all (llama.cpp's own way to say it).</summary>
    [Range(-1, 100_000)]
    public int? GpuLayers { get; set; }

    /// <summary>Pooling: Model (the model's own), Mean, Cls or Last.</summary>
    [EnumDataType(typeof(LlamaPooling))]
    public LlamaPooling Pooling { get; set; } = LlamaPooling.Model;

    /// <summary>Prefix for search queries (bge: "Represent this sentence for searching relevant passages: ", nomic: "search_query: ").</summary>
    public string QueryPrefix { get; set; } = string.Empty;

    /// <summary>Prefix for documents (nomic: "search_document: ").</summary>
    public string DocumentPrefix { get; set; } = string.Empty;
}
