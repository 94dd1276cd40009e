using System.Text;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
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

    /// <summary>What the model is for: a bad file's error names that model's download and setting.</summary>
    public ModelFileRole Role { get; init; } = ModelFileRole.Chat;
}

/// <summary>What a loaded model is, from its GGUF metadata and llama.cpp.</summary>
/// <param name="FilePath">Full path of the GGUF file.</param>
/// <param name="Architecture">The GGUF architecture, e.g. "llama", "qwen2", "bert".</param>
/// <param name="Name">The model's own name (general.name), or null when the file has none.</param>
/// <param name="Description">llama.cpp's one-line description, e.g. "qwen2 1B Q4_K - Medium".</param>
/// <param name="TrainedContextLength">The context length the model was trained with, in tokens.</param>
/// <param name="EmbeddingLength">Hidden size: the length of an embedding vector.</param>
/// <param name="LayerCount">Transformer blocks.</param>
/// <param name="ParameterCount">Weights in all tensors.</param>
/// <param name="SizeBytes">Bytes of all tensors (the memory the weights take).</param>
/// <param name="Quantization">The file type, e.g. "Q4_K_M" or "F16".</param>
/// <param name="ChatTemplate">The model's Jinja chat template, or null when the file has none.</param>
/// <param name="VocabularySize">Tokens in the vocabulary.</param>
/// <param name="IsEncoderOnly">True for encoder-only models (BERT-style embedders), which cannot generate text.</param>
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
/// A GGUF model loaded by llama.cpp through LLamaSharp's <see cref="LLamaWeights"/> (memory-mapped). Thread-safe for
/// tokenization; decoding happens in <see cref="LlamaContext"/>s created from it (each with its own KV cache).
/// </summary>
public sealed partial class LlamaModel : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly GgufFileInfo? _gguf;
    private readonly Lazy<IReadOnlyList<(string Text, int Token)>> _specialTexts;

    private LlamaModel(LLamaWeights weights, GgufFileInfo? gguf, LlamaModelInfo info, bool vocabOnly)
    {
        _weights = weights;
        _gguf = gguf;
        Info = info;
        VocabOnly = vocabOnly;
        var vocab = weights.NativeHandle.Vocab;
        BosToken = vocab.BOS is { } bos ? (int)bos : -1;
        EosToken = vocab.EOS is { } eos ? (int)eos : -1;
        AddsBos = vocab.ShouldAddBOS;
        _specialTexts = new(ReadSpecialTexts);
    }

    /// <summary>Metadata read from the model.</summary>
    public LlamaModelInfo Info { get; }

    /// <summary>True when only the vocabulary was loaded.</summary>
    public bool VocabOnly { get; }

    /// <summary>Beginning-of-sequence token id, or -1.</summary>
    public int BosToken { get; }

    /// <summary>End-of-sequence token id, or -1.</summary>
    public int EosToken { get; }

    /// <summary>True when the model wants BOS in front of every prompt.</summary>
    public bool AddsBos { get; }

    internal SafeLlamaModelHandle Handle => _weights.NativeHandle;

    internal LLamaWeights Weights => _weights;

    /// <summary>
    /// Validates <paramref name="path"/> as GGUF, then loads it through LLamaSharp (memory-mapped).
    /// </summary>
    /// <param name="path">The GGUF file.</param>
    /// <param name="options">GPU layers, vocabulary-only, skipping validation; null = the defaults.</param>
    /// <param name="loggerFactory">Receives the load's log line and llama.cpp's own log; null = no logging.</param>
    /// <returns>The loaded model; dispose it to free the weights.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or white space.</exception>
    /// <exception cref="ModelFileException">The file is missing, not GGUF, truncated or of an unsupported kind.</exception>
    /// <exception cref="LlamaBackendException">llama.cpp's native library cannot be loaded.</exception>
    public static LlamaModel Load(string path, LlamaModelLoadOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new LlamaModelLoadOptions();
        var logger = (ILogger?)loggerFactory?.CreateLogger<LlamaModel>() ?? NullLogger.Instance;
        var fullPath = Path.GetFullPath(path);
        var gguf = options.SkipValidation ? null : GgufValidator.Validate(fullPath, requireTensorData: !options.VocabOnly, options.Role);

        // Before the first ModelParams: creating one loads the native library.
        var native = LlamaNativeLibrary.EnsureInitialized(loggerFactory: loggerFactory);
        var parameters = new ModelParams(fullPath)
        {
            // LLamaSharp defaults to 20 GPU layers and no memory-mapping; say both.
            GpuLayerCount = options.GpuLayers ?? (native.Backend == LlamaBackend.Cuda ? -1 : 0),
            LoadMode = LLamaLoadMode.MemoryMap,
            VocabOnly = options.VocabOnly,
        };

        LLamaWeights weights;
        try
        {
            weights = LlamaNativeLibrary.WhileLoading(() => LLamaWeights.LoadFromFile(parameters));
        }
        catch (LoadWeightsFailedException ex)
        {
            throw new ModelFileException(fullPath, ModelFileProblem.NotLoadable, $"llama.cpp could not load the model {fullPath} (see the log for llama.cpp's reason). The file passed GGUF validation, so it may use a tensor type or architecture feature this llama.cpp build does not support; try another quantization or a newer model file.", ex);
        }

        var info = ReadInfo(weights.NativeHandle, gguf, fullPath);
        LogLoaded(logger, Path.GetFileName(fullPath), info.Description, info.ParameterCount, info.TrainedContextLength);
        return new LlamaModel(weights, gguf, info, options.VocabOnly);
    }

    private static LlamaModelInfo ReadInfo(SafeLlamaModelHandle handle, GgufFileInfo? gguf, string path)
    {
        var quantization = Meta(handle, gguf, "general.file_type") is { } fileType && uint.TryParse(fileType, out var ft)
            ? GgufFileTypeNames.GetName(ft)
            : GgufFileTypeNames.GetName(unchecked((uint)handle.FileType));
        var template = gguf?.ChatTemplate ?? handle.GetTemplate(null, strict: false);
        return new LlamaModelInfo(
            path,
            Meta(handle, gguf, "general.architecture") ?? "unknown",
            Meta(handle, gguf, "general.name"),
            handle.Description,
            handle.ContextSize,
            handle.EmbeddingSize,
            handle.LayerCount,
            handle.ParameterCount,
            handle.SizeInBytes,
            quantization,
            string.IsNullOrEmpty(template) ? null : template,
            handle.Vocab.Count,
            handle.HasEncoder && !handle.HasDecoder);
    }

    /// <summary>A GGUF metadata value as a string, or null when absent.</summary>
    /// <param name="key">The metadata key, e.g. "general.name" or "llama.context_length".</param>
    /// <returns>Strings as they are; numbers and other values in their invariant text form.</returns>
    public string? GetMetadata(string key) => Meta(Handle, _gguf, key);

    // The validator already read the header: prefer it to a native round trip per key.
    private static string? Meta(SafeLlamaModelHandle handle, GgufFileInfo? gguf, string key) =>
        gguf?.GetValue(key) is { } known ? known.Value as string ?? known.ToString()
        : handle.MetadataValueByKey(key) is { } value ? Encoding.UTF8.GetString(value.Span)
        : null;

    /// <summary>Is this token an end-of-generation token (EOS, EOT, ...)?</summary>
    /// <param name="token">A token id.</param>
    /// <returns>True when generation should stop at it.</returns>
    public bool IsEndOfGeneration(int token) => ((LLamaToken)token).IsEndOfGeneration(Handle.Vocab);

    /// <summary>Is this token one of the model's control tokens (turn markers, BOS/EOS, ...)?</summary>
    /// <param name="token">A token id of this model's vocabulary.</param>
    /// <returns>True for a control token.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is outside the vocabulary.</exception>
    public bool IsControl(int token)
    {
        ValidateToken(token);
        return ((LLamaToken)token).IsControl(Handle.Vocab);
    }

    /// <summary>Tokenizes UTF-8 text.</summary>
    /// <param name="text">The text; empty gives no tokens (or only BOS/EOS with <paramref name="addSpecial"/>).</param>
    /// <param name="addSpecial">Add BOS/EOS as the model configures.</param>
    /// <param name="parseSpecial">Turn special-token text such as <c>&lt;|im_start|&gt;</c> into control tokens (a chat template's own markup only, never message or source text).</param>
    /// <returns>The token ids, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 && !addSpecial)
        {
            return [];
        }

        var tokens = Handle.Tokenize(text, addSpecial, parseSpecial, Encoding.UTF8);
        var ids = new int[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            ids[i] = (int)tokens[i];
        }

        return ids;
    }

    /// <summary>Number of tokens <paramref name="text"/> takes (no special tokens added).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The token count, 0 for empty text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public int CountTokens(string text) => Tokenize(text, addSpecial: false, parseSpecial: false).Length;

    /// <summary>
    /// The texts of the model's control and user-defined tokens (what special-token parsing recognises), longest
    /// first. Used to find a chat template's own markup.
    /// </summary>
    internal IReadOnlyList<(string Text, int Token)> SpecialTexts => _specialTexts.Value;

    private List<(string Text, int Token)> ReadSpecialTexts()
    {
        var vocab = Handle.Vocab;
        var texts = new List<(string Text, int Token)>();
        for (var id = 0; id < Info.VocabularySize; id++)
        {
            var attributes = ((LLamaToken)id).GetAttributes(vocab);
            if ((attributes & (LLamaTokenAttr.Control | LLamaTokenAttr.UserDefined)) == 0)
            {
                continue;
            }

            var text = vocab.LLamaTokenToString(id, isSpecialToken: true);
            if (!string.IsNullOrEmpty(text))
            {
                texts.Add((text, id));
            }
        }

        texts.Sort((a, b) => b.Text.Length.CompareTo(a.Text.Length));
        return texts;
    }

    /// <summary>The raw bytes of one token (may be part of a UTF-8 character).</summary>
    /// <param name="token">A token id of this model's vocabulary.</param>
    /// <param name="destination">Receives the bytes.</param>
    /// <param name="renderSpecial">Render control tokens as their text (e.g. <c>&lt;|im_end|&gt;</c>) instead of nothing.</param>
    /// <returns>Bytes written, or minus the size needed when <paramref name="destination"/> is too small.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is outside the vocabulary.</exception>
    public int TokenToBytes(int token, Span<byte> destination, bool renderSpecial = false)
    {
        ValidateToken(token);
        var length = NativeApi.llama_token_to_piece(Handle.Vocab, token, destination, 0, renderSpecial);
        return length;
    }

    /// <summary>A streaming decoder for this model's tokens: holds a UTF-8 character split across tokens until it completes.</summary>
    public StreamingTokenDecoder CreateDecoder() => new(Encoding.UTF8, Handle);

    /// <summary>Turns tokens back into text (control tokens are not rendered).</summary>
    /// <param name="tokens">Token ids of this model's vocabulary.</param>
    /// <returns>The UTF-8 decoded text.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A token is outside the vocabulary.</exception>
    public string Detokenize(ReadOnlySpan<int> tokens)
    {
        var decoder = CreateDecoder();
        foreach (var token in tokens)
        {
            ValidateToken(token);
            decoder.Add(token);
        }

        return decoder.Read();
    }

    /// <summary>Throws unless <paramref name="token"/> is in the vocabulary (llama.cpp would reject or misbehave).</summary>
    internal void ValidateToken(int token)
    {
        if ((uint)token >= (uint)Info.VocabularySize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id {token} is outside the vocabulary (0..{Info.VocabularySize - 1}).");
        }
    }

    /// <summary>Formats a conversation with a chat template through LLamaSharp's <see cref="LLamaTemplate"/>.</summary>
    /// <param name="messages">(role, content) pairs, oldest first; roles as the template knows them ("system", "user", "assistant").</param>
    /// <param name="addAssistantPrefix">End with the assistant's turn opened, so the model answers next.</param>
    /// <param name="template">Template text or a built-in name ("chatml", "llama3", ...); null = the model's own.</param>
    /// <returns>The prompt, or null when the template is unknown to llama.cpp (or the model has none).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is null.</exception>
    public string? ApplyChatTemplate(IReadOnlyList<(string Role, string Content)> messages, bool addAssistantPrefix, string? template = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        template ??= Info.ChatTemplate;
        if (template is null)
        {
            return null;
        }

        var chat = new LLamaTemplate(template) { AddAssistant = addAssistantPrefix };
        foreach (var (role, content) in messages)
        {
            chat.Add(role, content);
        }

        try
        {
            return Encoding.UTF8.GetString(chat.Apply());
        }
        catch (MissingTemplateException)
        {
            return null;
        }
    }

    /// <summary>Creates a decoding context on this model.</summary>
    /// <param name="options">Context size (tokens), batch size, threads, embeddings and pooling.</param>
    /// <returns>The context, with its own KV cache; dispose it before the model.</returns>
    /// <exception cref="InvalidOperationException">The model was loaded vocabulary-only, or llama.cpp could not create the context.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public LlamaContext CreateContext(LlamaContextOptions options)
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        if (VocabOnly)
        {
            throw new InvalidOperationException($"{Path.GetFileName(Info.FilePath)} was loaded vocabulary-only; it cannot decode. Load it without VocabOnly.");
        }

        return new LlamaContext(this, options);
    }

    /// <summary>Frees the weights. Contexts created from the model must be disposed first.</summary>
    public void Dispose() => _weights.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Model} ({Description}, {Parameters:N0} parameters, trained context {Context})")]
    private static partial void LogLoaded(ILogger logger, string model, string description, ulong parameters, int context);
}
