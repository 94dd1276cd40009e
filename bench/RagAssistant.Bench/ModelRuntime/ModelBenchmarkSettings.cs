using RagAssistant.LlamaCpp;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>What one model-runtime benchmark measures.</summary>
/// <param name="ModelPath">GGUF file; null = the generated Qwen2.5-0.5B-shaped Q4_K_M model.</param>
/// <param name="Threads">llama.cpp threads for prompt processing and generation.</param>
/// <param name="PromptTokens">Prompt length in tokens (chat template included).</param>
/// <param name="Tokens">Tokens to generate.</param>
/// <param name="Runs">Measured runs after one warm-up; medians are reported.</param>
/// <param name="BatchSize">Tokens per llama_decode call during prompt processing (both runtimes).</param>
/// <param name="CompareWithNode">Also measure node-llama-cpp 3.22.1 on the same file, threads and prompt.</param>
/// <param name="Backend">CPU or CUDA (GPU layers all offloaded when CUDA).</param>
public sealed record ModelBenchmarkSettings(
    string? ModelPath,
    int Threads,
    int PromptTokens,
    int Tokens,
    int Runs,
    int BatchSize,
    bool CompareWithNode,
    LlamaBackend Backend)
{
    /// <summary>Context large enough for the prompt, the answer and the chat template's closing tokens.</summary>
    public int ContextSize => PromptTokens + Tokens + 64;

    public void Validate()
    {
        if (Threads < 1 || PromptTokens < 8 || Tokens < 2 || Runs < 1 || BatchSize < 1)
        {
            throw new ArgumentException("Need --threads >= 1, --prompt-tokens >= 8, --tokens >= 2, --runs >= 1 and --batch-size >= 1.");
        }
    }
}
