using LLama.Native;

namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>How the next token is chosen. Temperature 0 is greedy (deterministic).</summary>
public sealed record LlamaSamplingOptions
{
    /// <summary>Divides the logits before sampling: below 1 sharper, above 1 flatter; 0 or less = greedy.</summary>
    public float Temperature { get; init; } = 0.7f;

    /// <summary>Keep the k most likely tokens; 0 = off.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Nucleus sampling; 1 = off.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens less likely than this share of the best one; 0 = off.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Repetition penalty over the last <see cref="RepeatLastN"/> tokens; 1 = off.</summary>
    public float RepeatPenalty { get; init; } = 1.1f;

    /// <summary>How many recent tokens (prompt end included) the penalties look at; 0 = penalties off, -1 = the whole context.</summary>
    public int RepeatLastN { get; init; } = 64;

    /// <summary>Subtracted from a token's logit once per time it occurs among the recent tokens; 0 = off.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Subtracted from a token's logit once if it occurs among the recent tokens at all; 0 = off.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Random seed; null = random.</summary>
    public uint? Seed { get; init; }

    /// <summary>True when the choice is greedy.</summary>
    public bool IsGreedy => Temperature <= 0;
}

/// <summary>Builds llama.cpp's native sampler chains (LLamaSharp's <see cref="SafeLLamaSamplerChainHandle"/>) from <see cref="LlamaSamplingOptions"/>.</summary>
internal static class LlamaSamplerFactory
{
    private const uint RandomSeed = 0xFFFFFFFF;

    /// <summary>penalties -> (greedy | top-k -> top-p -> min-p -> temperature -> dist).</summary>
    public static SafeLLamaSamplerChainHandle Create(LlamaModel model, LlamaSamplingOptions options, ReadOnlySpan<int> history)
    {
        var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        var penalize = options.RepeatLastN != 0 && (options.RepeatPenalty != 1f || options.FrequencyPenalty != 0f || options.PresencePenalty != 0f);
        if (penalize)
        {
            chain.AddPenalties(options.RepeatLastN, options.RepeatPenalty, options.FrequencyPenalty, options.PresencePenalty);
        }

        if (options.IsGreedy)
        {
            chain.AddGreedySampler();
        }
        else
        {
            if (options.TopK > 0)
            {
                chain.AddTopK(options.TopK);
            }

            if (options.TopP is > 0 and < 1)
            {
                chain.AddTopP(options.TopP, 1);
            }

            if (options.MinP is > 0 and < 1)
            {
                chain.AddMinP(options.MinP, 1);
            }

            chain.AddTemperature(options.Temperature);
            chain.AddDistributionSampler(options.Seed ?? RandomSeed);
        }

        if (penalize)
        {
            // Penalties look at recent tokens: let them see the end of the prompt too.
            var start = options.RepeatLastN > 0 ? Math.Max(0, history.Length - options.RepeatLastN) : 0;
            foreach (var token in history[start..])
            {
                chain.Accept(token);
            }
        }

        return chain;
    }
}
