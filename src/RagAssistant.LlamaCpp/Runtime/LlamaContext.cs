using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LLama.Native;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>How an embedding context pools token vectors into one vector per text.</summary>
public enum LlamaPooling
{
    /// <summary>The model's own pooling (BERT-style GGUFs carry it); mean for models without one.</summary>
    Model,

    /// <summary>The mean of the token vectors.</summary>
    Mean,

    /// <summary>The vector of the first (CLS) token, as BERT-style models are trained for.</summary>
    Cls,

    /// <summary>The vector of the last token, as decoder-style embedding models are trained for.</summary>
    Last,
}

/// <summary>Sizes and threads of a context.</summary>
public sealed record LlamaContextOptions
{
    /// <summary>Tokens the context holds (prompt + answer). llama.cpp rounds it up to a multiple of 256.</summary>
    public int ContextSize { get; init; } = 4096;

    /// <summary>Most tokens per <c>llama_decode</c> call; longer prompts are decoded in several calls.</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>CPU threads for generation; 0 = <see cref="DefaultThreads"/>.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Half the logical processors (at least one): the physical cores on the usual two-way SMT machine, as
    /// llama.cpp itself picks. ggml's threads spin-wait for each other, so more threads than free cores costs
    /// far more than it gains: on a busy 2-core machine 2 threads decoded ~1000x slower than 1.
    /// </summary>
    public static int DefaultThreads => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>CPU threads for prompt processing; 0 = same as <see cref="Threads"/>.</summary>
    public int BatchThreads { get; init; }

    /// <summary>Create an embedding context (pooled vectors instead of logits).</summary>
    public bool Embeddings { get; init; }

    /// <summary>Pooling of an embedding context.</summary>
    public LlamaPooling Pooling { get; init; } = LlamaPooling.Model;

    /// <summary>Texts embedded in one batch (embedding contexts only; llama.cpp allows at most 256).</summary>
    public int MaxSequences { get; init; } = 1;
}

/// <summary>llama.cpp's own timing of a context (<c>llama_perf_context</c>; the context is created with <c>no_perf = false</c> so it counts).</summary>
/// <param name="PromptMs">Milliseconds spent on prompt processing.</param>
/// <param name="PromptTokens">Prompt tokens processed.</param>
/// <param name="DecodeMs">Milliseconds spent decoding generated tokens.</param>
/// <param name="DecodeTokens">Tokens generated.</param>
public sealed record LlamaPerformance(double PromptMs, int PromptTokens, double DecodeMs, int DecodeTokens)
{
    /// <summary>Prompt tokens per second by llama.cpp's clock.</summary>
    public double PromptTokensPerSecond => PromptMs > 0 ? PromptTokens * 1000.0 / PromptMs : 0;

    /// <summary>Generated tokens per second by llama.cpp's clock.</summary>
    public double DecodeTokensPerSecond => DecodeMs > 0 ? DecodeTokens * 1000.0 / DecodeMs : 0;
}

/// <summary>The context ran out of room for more tokens.</summary>
public sealed class LlamaContextFullException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that says how many tokens were asked for and how many fit.</summary>
    /// <param name="message">What went wrong and how to fix it, fit to show the user.</param>
    public LlamaContextFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the default message.</summary>
    public LlamaContextFullException()
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    /// <param name="message">What went wrong and how to fix it, fit to show the user.</param>
    /// <param name="innerException">The underlying error.</param>
    public LlamaContextFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A llama.cpp context (LLamaSharp's <see cref="SafeLLamaContextHandle"/>): the KV cache of one sequence plus
/// decoding. Not thread-safe: one operation at a time (the chat client serialises callers). Every size is validated
/// here before llama.cpp sees it, since llama.cpp aborts the process on an oversized batch instead of returning an
/// error. LLamaSharp serialises every decode in the process behind one static lock, so contexts (chat slots and
/// GGUF embeddings) never decode at the same time; slots still keep their own KV caches.
/// </summary>
public sealed unsafe class LlamaContext : IDisposable
{
    private readonly LlamaModel _model;
    private readonly SafeLLamaContextHandle _handle;
    private readonly int* _abortFlag;
    private readonly List<int> _cachedTokens = [];
    private readonly LLamaBatch _batch = new();

    internal LlamaContext(LlamaModel model, LlamaContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ContextSize, 16, nameof(options.ContextSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxSequences, 256, nameof(options.MaxSequences));
        _model = model;
        Options = options;

        var threads = options.Threads > 0 ? options.Threads : LlamaContextOptions.DefaultThreads;
        var p = LLamaContextParams.Default();
        p.n_ctx = (uint)options.ContextSize; // always explicit: 0 would mean the model's whole training context
        p.n_batch = (uint)options.BatchSize;
        p.n_ubatch = (uint)Math.Min(options.BatchSize, 512);
        p.n_seq_max = 1;
        p.n_threads = threads;
        p.n_threads_batch = options.BatchThreads > 0 ? options.BatchThreads : threads;
        p.no_perf = false; // llama.cpp's counters read 0 otherwise; the benchmark compares against them
        if (options.Embeddings)
        {
            // Non-causal (BERT) inputs must fit one micro-batch; one unified KV lets any text use the whole context.
            p.embeddings = true;
            p.n_batch = p.n_ubatch = (uint)options.ContextSize;
            p.n_seq_max = (uint)Math.Max(1, options.MaxSequences);
            p.kv_unified = true;
            p.llama_pooling_type = options.Pooling switch
            {
                LlamaPooling.Mean => LLamaPoolingType.Mean,
                LlamaPooling.Cls => LLamaPoolingType.CLS,
                LlamaPooling.Last => LLamaPoolingType.Last,
                _ => LLamaPoolingType.Unspecified,
            };
        }

        _handle = Create(model, p);
        if (options.Embeddings && _handle.PoolingType == LLamaPoolingType.None)
        {
            // Causal models carry no pooling: mean over tokens is the usual choice for them.
            _handle.Dispose();
            p.llama_pooling_type = LLamaPoolingType.Mean;
            _handle = Create(model, p);
        }

        ContextSize = (int)_handle.ContextSize;
        BatchSize = (int)_handle.BatchSize;
        MicroBatchSize = (int)_handle.UBatchSize;
        MaxSequences = (int)_handle.MaxSeq;
        Threads = threads;

        _abortFlag = (int*)NativeMemory.AllocZeroed(sizeof(int));
        NativeApi.llama_set_abort_callback(_handle, (IntPtr)(delegate* unmanaged[Cdecl]<void*, byte>)&ShouldAbort, (IntPtr)_abortFlag);
    }

    private static SafeLLamaContextHandle Create(LlamaModel model, LLamaContextParams p)
    {
        try
        {
            return LlamaNativeLibrary.WhileLoading(() => SafeLLamaContextHandle.Create(model.Handle, p));
        }
        catch (LLama.Exceptions.RuntimeError ex)
        {
            throw new InvalidOperationException($"llama.cpp could not create a context of {p.n_ctx} tokens for {Path.GetFileName(model.Info.FilePath)} (see the log; usually not enough memory: lower ContextSize).", ex);
        }
    }

    /// <summary>The options it was created with.</summary>
    public LlamaContextOptions Options { get; }

    /// <summary>The model.</summary>
    public LlamaModel Model => _model;

    /// <summary>Real context size (llama.cpp rounds the requested one up).</summary>
    public int ContextSize { get; }

    /// <summary>Real batch size (clamped to the context size for causal models).</summary>
    public int BatchSize { get; }

    /// <summary>Physical micro-batch size.</summary>
    public int MicroBatchSize { get; }

    /// <summary>Sequences per batch.</summary>
    public int MaxSequences { get; }

    /// <summary>CPU threads for generation.</summary>
    public int Threads { get; }

    /// <summary>Tokens currently held in the KV cache (prompt and generated), in order.</summary>
    public IReadOnlyList<int> CachedTokens => _cachedTokens;

    internal SafeLLamaContextHandle Handle => _handle;

    /// <summary>llama.cpp's timing counters since the last reset.</summary>
    public LlamaPerformance GetPerformance()
    {
        var t = _handle.GetTimings();
        return new LlamaPerformance(t.PromptEval.TotalMilliseconds, t.PrompTokensEvaluated, t.Eval.TotalMilliseconds, t.TokensEvaluated);
    }

    /// <summary>Resets llama.cpp's timing counters.</summary>
    public void ResetPerformance() => _handle.ResetTimings();

    /// <summary>Forgets everything in the KV cache.</summary>
    public void Clear()
    {
        _handle.MemoryClear(true);
        _cachedTokens.Clear();
    }

    /// <summary>
    /// Puts <paramref name="prompt"/> in the KV cache, decoding only what differs from what is already
    /// there (a follow-up in a chat shares the conversation so far), in batches of at most
    /// <see cref="BatchSize"/>. Afterwards the logits of the last prompt token are ready for sampling.
    /// </summary>
    /// <param name="prompt">The prompt's token ids; not empty.</param>
    /// <param name="cancellationToken">Stops between batches and aborts a running decode.</param>
    /// <returns>How many prompt tokens were reused from the cache.</returns>
    /// <exception cref="ArgumentException"><paramref name="prompt"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">This is an embedding context, or llama.cpp failed to decode.</exception>
    /// <exception cref="LlamaContextFullException">The prompt does not fit the context.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A token is outside the vocabulary.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int Prefill(ReadOnlySpan<int> prompt, CancellationToken cancellationToken = default)
    {
        ThrowIfEmbeddingContext();
        if (prompt.IsEmpty)
        {
            throw new ArgumentException("The prompt has no tokens.", nameof(prompt));
        }

        if (prompt.Length > ContextSize)
        {
            throw new LlamaContextFullException($"The prompt has {prompt.Length} tokens but the context holds {ContextSize}. Shorten the prompt or raise ContextSize.");
        }

        foreach (var token in prompt)
        {
            _model.ValidateToken(token);
        }

        // Reuse the longest common prefix; at least one token is decoded so fresh logits exist.
        var reuse = 0;
        var limit = Math.Min(_cachedTokens.Count, prompt.Length - 1);
        while (reuse < limit && _cachedTokens[reuse] == prompt[reuse])
        {
            reuse++;
        }

        if (reuse < _cachedTokens.Count)
        {
            if (_model.Handle.IsRecurrent)
            {
                // A recurrent state cannot drop a suffix (llama.cpp would refuse): start over.
                reuse = 0;
                Clear();
            }
            else
            {
                _handle.MemorySequenceRemove((LLamaSeqId)0, reuse, -1);
                _cachedTokens.RemoveRange(reuse, _cachedTokens.Count - reuse);
            }
        }

        for (var start = reuse; start < prompt.Length; start += BatchSize)
        {
            var count = Math.Min(BatchSize, prompt.Length - start);
            Decode(prompt.Slice(start, count), cancellationToken);
        }

        return reuse;
    }

    /// <summary>Decodes one generated token so the next one can be sampled.</summary>
    /// <param name="token">The sampled token id.</param>
    /// <param name="cancellationToken">Aborts the decode.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is outside the vocabulary.</exception>
    /// <exception cref="InvalidOperationException">This is an embedding context, or llama.cpp failed to decode.</exception>
    /// <exception cref="LlamaContextFullException">The context is full.</exception>
    public void Append(int token, CancellationToken cancellationToken = default)
    {
        ThrowIfEmbeddingContext();
        _model.ValidateToken(token);
        if (_cachedTokens.Count >= ContextSize)
        {
            throw new LlamaContextFullException($"The context of {ContextSize} tokens is full.");
        }

        ReadOnlySpan<int> one = [token];
        Decode(one, cancellationToken);
    }

    /// <summary>True when <paramref name="extra"/> more tokens still fit.</summary>
    /// <param name="extra">Tokens to add to those cached.</param>
    /// <returns>True when the cached tokens plus <paramref name="extra"/> are at most <see cref="ContextSize"/>.</returns>
    public bool HasRoomFor(int extra) => _cachedTokens.Count + extra <= ContextSize;

    internal int Sample(SafeLLamaSamplerChainHandle sampler) => (int)sampler.Sample(_handle, -1);

    private void Decode(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
    {
        // Guards for llama.cpp's GGML_ASSERTs: batch <= n_batch, and the whole context.
        if (tokens.Length > BatchSize)
        {
            throw new ArgumentException($"Batch of {tokens.Length} tokens exceeds the batch size {BatchSize}.", nameof(tokens));
        }

        if (_cachedTokens.Count + tokens.Length > ContextSize)
        {
            throw new LlamaContextFullException($"The context of {ContextSize} tokens is full.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        _batch.Clear();
        var position = _cachedTokens.Count;
        for (var i = 0; i < tokens.Length; i++)
        {
            _batch.Add(tokens[i], position + i, (LLamaSeqId)0, i == tokens.Length - 1);
        }

        DecodeResult result;
        Volatile.Write(ref *_abortFlag, 0);
        using (cancellationToken.Register(static state => Volatile.Write(ref *(int*)(IntPtr)state!, 1), (IntPtr)_abortFlag))
        {
            // A cancelled decode makes llama.cpp log "failed to compute graph" / "failed to decode" errors: expected, so Debug.
            result = LlamaNativeLibrary.WhileCancellable(() => _handle.Decode(_batch), cancellationToken);
        }

        if (result == DecodeResult.Ok)
        {
            foreach (var token in tokens)
            {
                _cachedTokens.Add(token);
            }

            return;
        }

        // Whatever llama.cpp kept of a failed batch is unknown: start the next request cold.
        Clear();
        throw result switch
        {
            DecodeResult.NoKvSlot => new LlamaContextFullException($"llama.cpp found no room in the KV cache for {tokens.Length} more tokens (context {ContextSize})."),
            DecodeResult.ComputeAborted => new OperationCanceledException("Decoding was cancelled.", cancellationToken),
            DecodeResult.InvalidInputBatch => new ArgumentException("llama.cpp rejected the batch as invalid (see the log)."),
            _ => new InvalidOperationException($"llama_decode failed with {result} (see the log)."),
        };
    }

    /// <summary>
    /// Embeds token sequences, several per batch, returning one pooled vector (not normalised) per sequence.
    /// Callers keep each sequence within <see cref="BatchSize"/> tokens (<see cref="Embeddings.LlamaEmbeddingGenerator"/> splits longer texts).
    /// </summary>
    /// <param name="sequences">Token ids per text; each within <see cref="BatchSize"/> tokens.</param>
    /// <param name="cancellationToken">Stops between batches and aborts a running decode.</param>
    /// <returns>One vector per sequence, in order, each the model's embedding length.</returns>
    /// <exception cref="ArgumentException">A sequence is longer than <see cref="BatchSize"/>.</exception>
    /// <exception cref="InvalidOperationException">This is not an embedding context, or llama.cpp failed to decode.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public float[][] Embed(IReadOnlyList<int[]> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (!Options.Embeddings)
        {
            throw new InvalidOperationException("This context was not created for embeddings.");
        }

        var dimensions = _model.Info.EmbeddingLength;
        var results = new float[sequences.Count][];
        var index = 0;
        while (index < sequences.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Pack as many whole sequences as fit the batch (and the sequence limit).
            var first = index;
            var total = 0;
            while (index < sequences.Count && index - first < MaxSequences)
            {
                var length = sequences[index].Length;
                if (length > BatchSize)
                {
                    throw new ArgumentException($"A sequence of {length} tokens exceeds the embedding batch of {BatchSize}; split it first.", nameof(sequences));
                }

                if (index > first && total + length > BatchSize)
                {
                    break;
                }

                total += length;
                index++;
            }

            _handle.MemoryClear(false);
            _cachedTokens.Clear();
            _batch.Clear();
            for (var s = first; s < index; s++)
            {
                var sequence = sequences[s];
                for (var i = 0; i < sequence.Length; i++)
                {
                    _model.ValidateToken(sequence[i]);
                    _batch.Add(sequence[i], i, (LLamaSeqId)(s - first), true);
                }
            }

            if (_batch.TokenCount == 0)
            {
                for (var s = first; s < index; s++)
                {
                    results[s] = new float[dimensions];
                }

                continue;
            }

            var result = _handle.Decode(_batch);
            if (result != DecodeResult.Ok)
            {
                throw new InvalidOperationException($"llama_decode failed with {result} while embedding (see the log).");
            }

            for (var s = first; s < index; s++)
            {
                var vector = _handle.GetEmbeddingsSeq((LLamaSeqId)(s - first));
                if (vector.IsEmpty)
                {
                    throw new InvalidOperationException("llama.cpp returned no pooled embedding (the model's pooling is NONE).");
                }

                results[s] = vector[..dimensions].ToArray();
            }
        }

        return results;
    }

    private void ThrowIfEmbeddingContext()
    {
        if (Options.Embeddings)
        {
            throw new InvalidOperationException("This is an embedding context; it does not generate.");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte ShouldAbort(void* data) => Volatile.Read(ref *(int*)data) != 0 ? (byte)1 : (byte)0;

    /// <summary>Frees the KV cache and the native context.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        _handle.Dispose();
        NativeMemory.Free(_abortFlag);
    }
}
