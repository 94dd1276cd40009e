namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>Why generation ended.</summary>
public enum LlamaFinishReason
{
    /// <summary>The model produced an end-of-generation token.</summary>
    EndOfGeneration,

    /// <summary>A stop sequence appeared (it is not part of the output).</summary>
    StopSequence,

    /// <summary>The token limit or the context size was reached.</summary>
    Length,
}

/// <summary>What one generation did.</summary>
/// <param name="FinishReason">Why generation ended.</param>
/// <param name="PromptTokens">Tokens of the prompt.</param>
/// <param name="ReusedPromptTokens">Prompt tokens already in the KV cache (not decoded again).</param>
/// <param name="CompletionTokens">Tokens generated.</param>
public sealed record LlamaGenerationResult(LlamaFinishReason FinishReason, int PromptTokens, int ReusedPromptTokens, int CompletionTokens);

/// <summary>
/// The generation loop on one context: prefill (reusing the cached prefix), then sample, emit, decode,
/// until end of generation, a stop sequence or the token limit. Text is emitted UTF-8 correct (LLamaSharp's
/// <c>StreamingTokenDecoder</c> holds a character split across tokens until it completes) and stop-sequence safe.
/// </summary>
public static class LlamaGenerator
{
    /// <summary>Generates on <paramref name="context"/> until end of generation, a stop sequence or <paramref name="maxTokens"/>.</summary>
    /// <param name="context">The context (slot) to decode on; its cached prefix of <paramref name="prompt"/> is reused.</param>
    /// <param name="prompt">The prompt's token ids.</param>
    /// <param name="sampling">How the next token is chosen.</param>
    /// <param name="maxTokens">Most tokens to generate (0 = prefill only).</param>
    /// <param name="stopSequences">Texts that end the answer (not emitted); null = none.</param>
    /// <param name="onText">Receives each piece of text as soon as it is final.</param>
    /// <param name="cancellationToken">Stops between tokens.</param>
    /// <returns>Why generation ended, and the token counts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/>, <paramref name="sampling"/> or <paramref name="onText"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxTokens"/> is negative.</exception>
    /// <exception cref="LlamaContextFullException">The prompt does not fit the context.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static LlamaGenerationResult Generate(
        LlamaContext context,
        ReadOnlySpan<int> prompt,
        LlamaSamplingOptions sampling,
        int maxTokens,
        IEnumerable<string>? stopSequences,
        Action<string> onText,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(onText);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);

        var model = context.Model;
        var reused = context.Prefill(prompt, cancellationToken);
        using var sampler = LlamaSamplerFactory.Create(model, sampling, prompt);
        var stops = new StopSequenceBuffer(stopSequences);
        var decoder = model.CreateDecoder();
        var generated = 0;
        var reason = LlamaFinishReason.Length;

        while (generated < maxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = context.Sample(sampler);
            if (model.IsEndOfGeneration(token))
            {
                reason = LlamaFinishReason.EndOfGeneration;
                break;
            }

            generated++;
            decoder.Add(token);
            var visible = stops.Append(decoder.Read());
            if (visible.Length > 0)
            {
                onText(visible);
            }

            if (stops.Stopped)
            {
                reason = LlamaFinishReason.StopSequence;
                break;
            }

            if (generated >= maxTokens || !context.HasRoomFor(1))
            {
                reason = LlamaFinishReason.Length;
                break;
            }

            context.Append(token, cancellationToken);
        }

        if (!stops.Stopped)
        {
            var rest = stops.Flush();
            if (rest.Length > 0)
            {
                onText(rest);
            }
        }

        return new LlamaGenerationResult(reason, prompt.Length, reused, generated);
    }
}
