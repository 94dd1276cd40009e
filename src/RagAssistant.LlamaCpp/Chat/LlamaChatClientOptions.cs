using System.ComponentModel.DataAnnotations;

namespace RagAssistant.LlamaCpp.Chat;

/// <summary>The chat model and how it runs (configuration section "ChatModel"), validated at start.</summary>
public sealed class LlamaChatClientOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "ChatModel";

    /// <summary>
    /// GGUF file of the chat model. Whether it exists is checked when <see cref="LlamaChatClient"/> loads it
    /// (<see cref="Gguf.ModelFileException"/>, naming the file), not by validation: a composition may start without a
    /// model that is not downloaded yet.
    /// </summary>
    [Required(ErrorMessage = "ChatModel:ModelPath is required: set it in appsettings.json or pass --model FILE.")]
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>Tokens of prompt plus answer: the KV cache of each slot holds this many.</summary>
    [Range(256, 1_048_576)]
    public int ContextSize { get; set; } = 4096;

    /// <summary>Most prompt tokens decoded per llama.cpp call.</summary>
    [Range(1, 65_536)]
    public int BatchSize { get; set; } = 512;

    /// <summary>CPU threads; 0 = half the logical processors (LLamaSharp's default). The application (RagAssistant.Hosting) sets the physical cores instead, as for the embedder.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>Layers offloaded to the GPU; null = all on CUDA, none on CPU; -1 = all (llama.cpp's own way to say it).</summary>
    [Range(-1, 100_000)]
    public int? GpuLayers { get; set; }

    /// <summary>Contexts (parallel generations); each keeps its own KV cache for follow-ups.</summary>
    [Range(1, 64)]
    public int Slots { get; set; } = 1;

    /// <summary>Chat template text or llama.cpp built-in name ("chatml", "llama3", "phi3", ...) for models without one (or to override it).</summary>
    public string? ChatTemplate { get; set; }

    /// <summary>Answer length in tokens when the caller sets none.</summary>
    [Range(1, 1_048_576)]
    public int MaxTokens { get; set; } = 512;

    /// <summary>Sampling temperature when the caller sets none; 0 is greedy (deterministic).</summary>
    [Range(0.0, 5.0)]
    public float Temperature { get; set; } = 0.2f;

    /// <summary>Keep the k most likely tokens when sampling; 0 = off.</summary>
    [Range(0, 100_000)]
    public int TopK { get; set; } = 40;

    /// <summary>Nucleus sampling: keep the most likely tokens up to this probability mass; 1 = off.</summary>
    [Range(0.0, 1.0)]
    public float TopP { get; set; } = 0.95f;

    /// <summary>Drop tokens less likely than this share of the most likely one; 0 = off.</summary>
    [Range(0.0, 1.0)]
    public float MinP { get; set; } = 0.05f;

    /// <summary>Penalty on recently generated tokens; 1 = off.</summary>
    [Range(0.0, 5.0)]
    public float RepeatPenalty { get; set; } = 1.1f;

    /// <summary>Sampling seed; null = random.</summary>
    public uint? Seed { get; set; }
}
