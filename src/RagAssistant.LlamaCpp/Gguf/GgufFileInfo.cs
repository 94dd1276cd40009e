namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// What a GGUF file declares: version, metadata, tensor table and layout. Produced by <see cref="GgufReader"/>
/// (structure checked) or <see cref="GgufValidator"/> (also checked to be a model llama.cpp can run).
/// </summary>
public sealed class GgufFileInfo
{
    internal GgufFileInfo(
        string path,
        uint version,
        long fileLength,
        int alignment,
        long dataOffset,
        IReadOnlyDictionary<string, GgufValue> metadata,
        IReadOnlyList<GgufTensorInfo> tensors)
    {
        Path = path;
        Version = version;
        FileLength = fileLength;
        Alignment = alignment;
        DataOffset = dataOffset;
        Metadata = metadata;
        Tensors = tensors;
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>GGUF version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>File size in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Alignment of tensor data (<c>general.alignment</c>, 32 when absent).</summary>
    public int Alignment { get; }

    /// <summary>Byte offset of the data section; tensor offsets are relative to it.</summary>
    public long DataOffset { get; }

    /// <summary>All metadata, in file order.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>The tensor table, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary><c>general.architecture</c>, e.g. <c>llama</c>; null when absent.</summary>
    public string? Architecture => GetString(GgufKeys.Architecture);

    /// <summary><c>general.name</c>; null when absent.</summary>
    public string? Name => GetString(GgufKeys.Name);

    /// <summary>Training context length (<c>{arch}.context_length</c>); null when absent.</summary>
    public ulong? ContextLength => GetArchitectureUInt64(GgufKeys.ContextLength);

    /// <summary>Embedding width (<c>{arch}.embedding_length</c>); null when absent.</summary>
    public ulong? EmbeddingLength => GetArchitectureUInt64(GgufKeys.EmbeddingLength);

    /// <summary>Number of transformer blocks (<c>{arch}.block_count</c>); null when absent.</summary>
    public ulong? BlockCount => GetArchitectureUInt64(GgufKeys.BlockCount);

    /// <summary>The embedded chat template (<c>tokenizer.chat_template</c>); null when the model has none.</summary>
    public string? ChatTemplate => GetString(GgufKeys.ChatTemplate);

    /// <summary>True when the model carries its own chat template.</summary>
    public bool HasChatTemplate => ChatTemplate is not null;

    /// <summary><c>tokenizer.ggml.model</c>, e.g. <c>llama</c> (SentencePiece), <c>gpt2</c> (BPE), <c>bert</c> (WordPiece).</summary>
    public string? TokenizerModel => GetString(GgufKeys.TokenizerModel);

    /// <summary>Number of tokens in the vocabulary (length of <c>tokenizer.ggml.tokens</c>); null when absent.</summary>
    public long? VocabularySize => Metadata.TryGetValue(GgufKeys.Tokens, out GgufValue? tokens) && tokens.Type == GgufValueType.Array ? tokens.Count : null;

    /// <summary><c>general.file_type</c> (llama.cpp's <c>llama_ftype</c>); null when absent.</summary>
    public uint? FileType => GetUInt32(GgufKeys.FileType);

    /// <summary>Name of <see cref="FileType"/> as llama.cpp prints it (e.g. <c>Q4_K_M</c>); null when absent.</summary>
    public string? FileTypeName => FileType is { } fileType ? GgufFileTypeNames.GetName(fileType) : null;

    /// <summary>Total number of weights (sum of the tensors' element counts).</summary>
    public long ParameterCount => Tensors.Sum(t => t.ElementCount);

    /// <summary>Bytes of tensor data.</summary>
    public long TensorDataBytes => Tensors.Sum(t => t.ByteSize);

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public GgufValue? GetValue(string key) => Metadata.GetValueOrDefault(key);

    /// <summary>The string value of <paramref name="key"/>; null when absent or not a string.</summary>
    public string? GetString(string key) => GetValue(key)?.Value as string;

    /// <summary>The value of <paramref name="key"/> as uint32; null when absent, not an integer, or out of range.</summary>
    public uint? GetUInt32(string key) => GetUInt64(key) is { } value && value <= uint.MaxValue ? (uint)value : null;

    /// <summary>The value of <paramref name="key"/> as uint64; null when absent, not an integer, or negative.</summary>
    public ulong? GetUInt64(string key) => GetValue(key) is { } value && value.TryGetUInt64(out ulong result) ? result : null;

    /// <summary>The value of <paramref name="key"/> as a float; null when absent or not a floating-point value.</summary>
    public float? GetFloat32(string key) => GetValue(key)?.Value switch
    {
        float f => f,
        double d => (float)d,
        _ => null,
    };

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    public GgufTensorInfo? FindTensor(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    private ulong? GetArchitectureUInt64(string key) =>
        Architecture is { } architecture ? GetUInt64(GgufKeys.ForArchitecture(architecture, key)) : null;
}
