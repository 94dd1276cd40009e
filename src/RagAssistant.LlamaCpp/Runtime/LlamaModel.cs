using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>How to load a model file.</summary>
public sealed record LlamaModelLoadOptions
{
    /// <summary>Layers to offload to the GPU: null = all on CUDA, none on CPU; 0 = none.</summary>
    public int? GpuLayers { get; init; }

    /// <summary>Load only the vocabulary (tokenizer tests, token counting); no weights, no decoding.</summary>
    public bool VocabOnly { get; init; }

    /// <summary>Skip the managed GGUF validation (only for files already validated).</summary>
    public bool SkipValidation { get; init; }
}

/// <summary>What a loaded model is.</summary>
public sealed record LlamaModelInfo(
    string FilePath,
    string Architecture,
    string? Name,
    string Description,
    int TrainedContextLength,
    int EmbeddingLength,
    int LayerCount,
    ulong ParameterCount,
    ulong SizeBytes,
    string Quantization,
    string? ChatTemplate,
    int VocabularySize,
    bool IsEncoderOnly);

/// <summary>
/// A GGUF model loaded by llama.cpp (memory-mapped). Thread-safe for tokenization; decoding happens in
/// <see cref="LlamaContext"/>s created from it.
/// </summary>
public sealed unsafe class LlamaModel : IDisposable
{
    private readonly SafeLlamaModelHandle _handle;
    private readonly IntPtr _vocab;

    private LlamaModel(SafeLlamaModelHandle handle, LlamaModelInfo info, bool vocabOnly)
    {
        _handle = handle;
        _vocab = NativeMethods.llama_model_get_vocab(handle);
        Info = info;
        VocabOnly = vocabOnly;
        BosToken = NativeMethods.llama_vocab_bos(_vocab);
        EosToken = NativeMethods.llama_vocab_eos(_vocab);
    }

    /// <summary>Metadata read from the model.</summary>
    public LlamaModelInfo Info { get; }

    /// <summary>True when only the vocabulary was loaded.</summary>
    public bool VocabOnly { get; }

    /// <summary>Beginning-of-sequence token id, or -1.</summary>
    public int BosToken { get; }

    /// <summary>End-of-sequence token id, or -1.</summary>
    public int EosToken { get; }

    internal SafeLlamaModelHandle Handle => _handle;

    /// <summary>
    /// Validates <paramref name="path"/> as GGUF, then loads it through llama.cpp (memory-mapped).
    /// </summary>
    /// <exception cref="ModelFileException">The file is missing, not GGUF, truncated or of an unsupported kind.</exception>
    public static LlamaModel Load(string path, LlamaModelLoadOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new LlamaModelLoadOptions();
        var logger = (ILogger?)loggerFactory?.CreateLogger<LlamaModel>() ?? NullLogger.Instance;
        var fullPath = Path.GetFullPath(path);
        if (!options.SkipValidation)
        {
            GgufValidator.Validate(fullPath);
        }

        var native = LlamaNativeLibrary.EnsureInitialized(loggerFactory: loggerFactory);
        var parameters = NativeMethods.llama_model_default_params();
        parameters.NGpuLayers = options.GpuLayers ?? (native.Backend == LlamaBackend.Cuda ? -1 : 0);
        parameters.VocabOnly = options.VocabOnly ? (byte)1 : (byte)0;

        var handle = NativeMethods.llama_model_load_from_file(fullPath, parameters);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new ModelFileException(fullPath, $"llama.cpp could not load the model {fullPath} (see the log for llama.cpp's reason). The file passed GGUF validation, so it may use a tensor type or architecture feature this llama.cpp build does not support; try another quantization or a newer model file.");
        }

        var info = ReadInfo(handle, fullPath);
        logger.LogInformation("Loaded {Model} ({Description}, {Parameters:N0} parameters, trained context {Context})", Path.GetFileName(fullPath), info.Description, info.ParameterCount, info.TrainedContextLength);
        return new LlamaModel(handle, info, options.VocabOnly);
    }

    private static LlamaModelInfo ReadInfo(SafeLlamaModelHandle handle, string path)
    {
        var vocab = NativeMethods.llama_model_get_vocab(handle);
        var description = ReadString((buffer, size) => NativeMethods.llama_model_desc(handle, (byte*)buffer, size)) ?? string.Empty;
        var architecture = Meta(handle, "general.architecture") ?? "unknown";
        var template = NativeMethods.ReadUtf8(NativeMethods.llama_model_chat_template(handle, null));
        var quantization = Meta(handle, "general.file_type") is { } fileType && uint.TryParse(fileType, out var ft)
            ? GgufFileTypeNames.GetName(ft)
            : GgufFileTypeNames.GetName(unchecked((uint)NativeMethods.llama_model_ftype(handle)));
        return new LlamaModelInfo(
            path,
            architecture,
            Meta(handle, "general.name"),
            description,
            NativeMethods.llama_model_n_ctx_train(handle),
            NativeMethods.llama_model_n_embd(handle),
            NativeMethods.llama_model_n_layer(handle),
            NativeMethods.llama_model_n_params(handle),
            NativeMethods.llama_model_size(handle),
            quantization,
            string.IsNullOrEmpty(template) ? null : template,
            NativeMethods.llama_vocab_n_tokens(vocab),
            NativeMethods.llama_model_has_encoder(handle) && !NativeMethods.llama_model_has_decoder(handle));
    }

    /// <summary>A GGUF metadata value as a string, or null when absent.</summary>
    public string? GetMetadata(string key) => Meta(_handle, key);

    private static string? Meta(SafeLlamaModelHandle handle, string key) =>
        ReadString((buffer, size) => NativeMethods.llama_model_meta_val_str(handle, key, (byte*)buffer, size));

    private static string? ReadString(Func<IntPtr, nuint, int> read)
    {
        var size = 256;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(size + 1);
            try
            {
                fixed (byte* p = buffer)
                {
                    var n = read((IntPtr)p, (nuint)buffer.Length);
                    if (n < 0)
                    {
                        return null;
                    }

                    if (n < buffer.Length)
                    {
                        return Encoding.UTF8.GetString(buffer, 0, n);
                    }

                    size = n + 1;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return null;
    }

    /// <summary>Is this token an end-of-generation token (EOS, EOT, ...)?</summary>
    public bool IsEndOfGeneration(int token) => NativeMethods.llama_vocab_is_eog(_vocab, token);

    /// <summary>Tokenizes UTF-8 text.</summary>
    /// <param name="addSpecial">Add BOS/EOS as the model configures.</param>
    /// <param name="parseSpecial">Turn special-token text such as <c>&lt;|im_start|&gt;</c> into control tokens (prompt templates only, never user text).</param>
    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var capacity = bytes.Length + 8;
        while (true)
        {
            var tokens = new int[capacity];
            int n;
            fixed (byte* pText = bytes)
            fixed (int* pTokens = tokens)
            {
                n = NativeMethods.llama_tokenize(_vocab, pText, bytes.Length, pTokens, tokens.Length, addSpecial, parseSpecial);
            }

            if (n == int.MinValue)
            {
                throw new ArgumentException("The text is too long to tokenize (more than 2^31 tokens).", nameof(text));
            }

            if (n >= 0)
            {
                return n == tokens.Length ? tokens : tokens[..n];
            }

            capacity = -n;
        }
    }

    /// <summary>Number of tokens <paramref name="text"/> takes (no special tokens added).</summary>
    public int CountTokens(string text) => Tokenize(text, addSpecial: false, parseSpecial: false).Length;

    /// <summary>The raw bytes of one token (may be part of a UTF-8 character).</summary>
    public int TokenToBytes(int token, Span<byte> destination, bool renderSpecial = false)
    {
        ValidateToken(token);
        fixed (byte* p = destination)
        {
            return NativeMethods.llama_token_to_piece(_vocab, token, p, destination.Length, 0, renderSpecial);
        }
    }

    /// <summary>Turns tokens back into text.</summary>
    public string Detokenize(ReadOnlySpan<int> tokens, bool removeSpecial = true)
    {
        foreach (var token in tokens)
        {
            ValidateToken(token);
        }

        var capacity = Math.Max(16, tokens.Length * 8);
        while (true)
        {
            var buffer = new byte[capacity];
            int n;
            fixed (int* pTokens = tokens)
            fixed (byte* pText = buffer)
            {
                n = NativeMethods.llama_detokenize(_vocab, pTokens, tokens.Length, pText, buffer.Length, removeSpecial, unparseSpecial: false);
            }

            if (n >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, n);
            }

            capacity = -n;
        }
    }

    /// <summary>Throws unless <paramref name="token"/> is in the vocabulary (llama.cpp would reject or misbehave).</summary>
    internal void ValidateToken(int token)
    {
        if ((uint)token >= (uint)Info.VocabularySize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} is outside the vocabulary (0..{Info.VocabularySize - 1}).");
        }
    }

    /// <summary>Formats a conversation with a chat template through <c>llama_chat_apply_template</c>.</summary>
    /// <param name="template">Template text or a built-in name ("chatml", "llama3", ...); null = the model's own.</param>
    /// <returns>The prompt, or null when the template is unknown to llama.cpp (or the model has none).</returns>
    public string? ApplyChatTemplate(IReadOnlyList<(string Role, string Content)> messages, bool addAssistantPrefix, string? template = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        template ??= Info.ChatTemplate;
        if (template is null)
        {
            return null;
        }

        var templateBytes = NullTerminated(template);
        var strings = new byte[messages.Count * 2][];
        for (var i = 0; i < messages.Count; i++)
        {
            strings[2 * i] = NullTerminated(messages[i].Role);
            strings[(2 * i) + 1] = NullTerminated(messages[i].Content);
        }

        var handles = strings.Select(s => System.Runtime.InteropServices.GCHandle.Alloc(s, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            var chat = new LlamaChatMessage[messages.Count];
            for (var i = 0; i < messages.Count; i++)
            {
                chat[i].Role = (byte*)handles[2 * i].AddrOfPinnedObject();
                chat[i].Content = (byte*)handles[(2 * i) + 1].AddrOfPinnedObject();
            }

            var length = Math.Max(256, strings.Sum(s => s.Length) * 2);
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var buffer = new byte[length];
                int n;
                fixed (byte* pTemplate = templateBytes)
                fixed (LlamaChatMessage* pChat = chat)
                fixed (byte* pBuffer = buffer)
                {
                    n = NativeMethods.llama_chat_apply_template(pTemplate, pChat, (nuint)chat.Length, addAssistantPrefix, pBuffer, buffer.Length);
                }

                if (n < 0)
                {
                    return null;
                }

                if (n <= buffer.Length)
                {
                    return Encoding.UTF8.GetString(buffer, 0, n);
                }

                length = n;
            }

            return null;
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Free();
            }
        }
    }

    private static byte[] NullTerminated(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>Creates a decoding context on this model.</summary>
    public LlamaContext CreateContext(LlamaContextOptions options)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (VocabOnly)
        {
            throw new InvalidOperationException($"{Path.GetFileName(Info.FilePath)} was loaded vocabulary-only; it cannot decode. Load it without VocabOnly.");
        }

        return new LlamaContext(this, options);
    }

    public void Dispose() => _handle.Dispose();
}
