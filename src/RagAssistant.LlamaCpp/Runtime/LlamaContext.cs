using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>How an embedding context pools token vectors into one vector per text.</summary>
public enum LlamaPooling
{
    /// <summary>The model's own pooling (BERT-style GGUFs carry it); mean for models without one.</summary>
    Model,
    Mean,
    Cls,
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

/// <summary>llama.cpp's own timing of a context (<c>llama_perf_context</c>).</summary>
public sealed record LlamaPerformance(double PromptMs, int PromptTokens, double DecodeMs, int DecodeTokens, int ReusedTokens)
{
    /// <summary>Prompt tokens per second by llama.cpp's clock.</summary>
    public double PromptTokensPerSecond => PromptMs > 0 ? PromptTokens * 1000.0 / PromptMs : 0;

    /// <summary>Generated tokens per second by llama.cpp's clock.</summary>
    public double DecodeTokensPerSecond => DecodeMs > 0 ? DecodeTokens * 1000.0 / DecodeMs : 0;
}

/// <summary>The context ran out of room for more tokens.</summary>
public sealed class LlamaContextFullException : InvalidOperationException
{
    public LlamaContextFullException(string message)
        : base(message)
    {
    }

    public LlamaContextFullException()
    {
    }

    public LlamaContextFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A llama.cpp context: the KV cache of one sequence plus decoding. Not thread-safe: one operation at a
/// time (the chat client serialises callers). Every size is validated here before llama.cpp sees it,
/// since llama.cpp aborts the process on an oversized batch instead of returning an error.
/// </summary>
public sealed unsafe class LlamaContext : IDisposable
{
    private readonly LlamaModel _model;
    private readonly SafeLlamaContextHandle _handle;
    private readonly IntPtr _memory;
    private readonly int* _abortFlag;
    private readonly List<int> _cachedTokens = [];

    internal LlamaContext(LlamaModel model, LlamaContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ContextSize, 16, nameof(options.ContextSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxSequences, 256, nameof(options.MaxSequences));
        _model = model;
        Options = options;

        var threads = options.Threads > 0 ? options.Threads : LlamaContextOptions.DefaultThreads;
        var p = NativeMethods.llama_context_default_params();
        p.NCtx = (uint)options.ContextSize;
        p.NBatch = (uint)options.BatchSize;
        p.NUbatch = (uint)Math.Min(options.BatchSize, 512);
        p.NThreads = threads;
        p.NThreadsBatch = options.BatchThreads > 0 ? options.BatchThreads : threads;
        p.NoPerf = 0;
        if (options.Embeddings)
        {
            // Non-causal (BERT) inputs must fit one micro-batch; one unified KV lets any text use the whole context.
            p.Embeddings = 1;
            p.NBatch = p.NUbatch = (uint)options.ContextSize;
            p.NSeqMax = (uint)Math.Max(1, options.MaxSequences);
            p.KvUnified = 1;
            p.PoolingType = options.Pooling switch
            {
                LlamaPooling.Mean => (int)LlamaPoolingType.Mean,
                LlamaPooling.Cls => (int)LlamaPoolingType.Cls,
                LlamaPooling.Last => (int)LlamaPoolingType.Last,
                _ => (int)LlamaPoolingType.Unspecified,
            };
        }

        _handle = Create(model, p);
        if (options.Embeddings && NativeMethods.llama_pooling_type(_handle) == (int)LlamaPoolingType.None)
        {
            // Causal models carry no pooling: mean over tokens is the usual choice for them.
            _handle.Dispose();
            p.PoolingType = (int)LlamaPoolingType.Mean;
            _handle = Create(model, p);
        }

        _memory = NativeMethods.llama_get_memory(_handle);
        ContextSize = (int)NativeMethods.llama_n_ctx(_handle);
        BatchSize = (int)NativeMethods.llama_n_batch(_handle);
        MicroBatchSize = (int)NativeMethods.llama_n_ubatch(_handle);
        MaxSequences = (int)NativeMethods.llama_n_seq_max(_handle);
        Threads = threads;

        _abortFlag = (int*)NativeMemory.AllocZeroed(sizeof(int));
        NativeMethods.llama_set_abort_callback(_handle, &ShouldAbort, _abortFlag);
    }

    private static SafeLlamaContextHandle Create(LlamaModel model, LlamaContextParams p)
    {
        var handle = NativeMethods.llama_init_from_model(model.Handle, p);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new InvalidOperationException($"llama.cpp could not create a context of {p.NCtx} tokens for {Path.GetFileName(model.Info.FilePath)} (see the log; usually not enough memory: lower ContextSize).");
        }

        return handle;
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

    /// <summary>llama.cpp's timing counters since the last reset.</summary>
    public LlamaPerformance GetPerformance()
    {
        var d = NativeMethods.llama_perf_context(_handle);
        return new LlamaPerformance(d.TPromptEvalMs, d.NPromptEval, d.TEvalMs, d.NEval, d.NReused);
    }

    /// <summary>Resets llama.cpp's timing counters.</summary>
    public void ResetPerformance() => NativeMethods.llama_perf_context_reset(_handle);

    /// <summary>Forgets everything in the KV cache.</summary>
    public void Clear()
    {
        NativeMethods.llama_memory_clear(_memory, data: true);
        _cachedTokens.Clear();
    }

    /// <summary>
    /// Puts <paramref name="prompt"/> in the KV cache, decoding only what differs from what is already
    /// there (a follow-up in a chat shares the conversation so far), in batches of at most
    /// <see cref="BatchSize"/>. Afterwards the logits of the last prompt token are ready for sampling.
    /// </summary>
    /// <returns>How many prompt tokens were reused from the cache.</returns>
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
            if (!NativeMethods.llama_memory_seq_rm(_memory, 0, reuse, -1))
            {
                reuse = 0;
                NativeMethods.llama_memory_clear(_memory, data: false);
            }

            _cachedTokens.RemoveRange(reuse, _cachedTokens.Count - reuse);
        }

        for (var start = reuse; start < prompt.Length; start += BatchSize)
        {
            var count = Math.Min(BatchSize, prompt.Length - start);
            Decode(prompt.Slice(start, count), cancellationToken);
        }

        return reuse;
    }

    /// <summary>Decodes one generated token so the next one can be sampled.</summary>
    public void Append(int token, CancellationToken cancellationToken = default)
    {
        ThrowIfEmbeddingContext();
        _model.ValidateToken(token);
        if (_cachedTokens.Count >= ContextSize)
        {
            throw new LlamaContextFullException($"The context of {ContextSize} tokens is full.");
        }

        Span<int> one = [token];
        Decode(one, cancellationToken);
    }

    /// <summary>True when <paramref name="extra"/> more tokens still fit.</summary>
    public bool HasRoomFor(int extra) => _cachedTokens.Count + extra <= ContextSize;

    internal int Sample(SafeLlamaSamplerHandle sampler) => NativeMethods.llama_sampler_sample(sampler, _handle, -1);

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
        int result;
        Volatile.Write(ref *_abortFlag, 0);
        using (cancellationToken.Register(static state => Volatile.Write(ref *(int*)(IntPtr)state!, 1), (IntPtr)_abortFlag))
        {
            fixed (int* p = tokens)
            {
                var batch = new LlamaBatch { NTokens = tokens.Length, Token = p };
                result = NativeMethods.llama_decode(_handle, batch);
            }
        }

        if (result == 0)
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
            1 => new LlamaContextFullException($"llama.cpp found no room in the KV cache for {tokens.Length} more tokens (context {ContextSize})."),
            2 => new OperationCanceledException("Decoding was cancelled.", cancellationToken),
            -1 => new ArgumentException("llama.cpp rejected the batch as invalid (see the log)."),
            _ => new InvalidOperationException($"llama_decode failed with {result} (see the log)."),
        };
    }

    /// <summary>
    /// Embeds token sequences, several per batch, returning one pooled vector (not normalised) per sequence.
    /// Sequences longer than the context are truncated to it.
    /// </summary>
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
                var length = Math.Min(sequences[index].Length, BatchSize);
                if (index > first && total + length > BatchSize)
                {
                    break;
                }

                total += length;
                index++;
            }

            NativeMethods.llama_memory_clear(_memory, data: false);
            _cachedTokens.Clear();
            var batch = NativeMethods.llama_batch_init(Math.Max(total, 1), 0, 1);
            try
            {
                var n = 0;
                for (var s = first; s < index; s++)
                {
                    var sequence = sequences[s];
                    var length = Math.Min(sequence.Length, BatchSize);
                    for (var i = 0; i < length; i++)
                    {
                        _model.ValidateToken(sequence[i]);
                        batch.Token[n] = sequence[i];
                        batch.Pos[n] = i;
                        batch.NSeqId[n] = 1;
                        batch.SeqId[n][0] = s - first;
                        batch.Logits[n] = 1;
                        n++;
                    }
                }

                batch.NTokens = n;
                if (n == 0)
                {
                    for (var s = first; s < index; s++)
                    {
                        results[s] = new float[dimensions];
                    }

                    continue;
                }

                var result = NativeMethods.llama_decode(_handle, batch);
                if (result != 0)
                {
                    throw new InvalidOperationException($"llama_decode failed with {result} while embedding (see the log).");
                }

                for (var s = first; s < index; s++)
                {
                    var vector = NativeMethods.llama_get_embeddings_seq(_handle, s - first);
                    if (vector is null)
                    {
                        throw new InvalidOperationException("llama.cpp returned no pooled embedding (the model's pooling is NONE).");
                    }

                    results[s] = new ReadOnlySpan<float>(vector, dimensions).ToArray();
                }
            }
            finally
            {
                NativeMethods.llama_batch_free(batch);
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
