using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.LlamaCpp.Tests.Gguf;

public sealed class GgufReaderTests
{
    [Fact]
    public void Reads_stories260K_header_metadata_and_tensor_table()
    {
        GgufFileInfo info = GgufValidator.Validate(TestPaths.Stories);

        Assert.Equal(3u, info.Version);
        Assert.Equal(1_185_376, info.FileLength);
        Assert.Equal(32, info.Alignment);
        Assert.Equal("llama", info.Architecture);
        Assert.Equal(2048ul, info.ContextLength);
        Assert.Equal(64ul, info.EmbeddingLength);
        Assert.Equal(5ul, info.BlockCount);
        Assert.Equal("llama", info.TokenizerModel);
        Assert.Equal(512, info.VocabularySize);
        Assert.False(info.HasChatTemplate);
        Assert.Equal(8u, info.GetUInt32("llama.attention.head_count"));
        Assert.Equal(4u, info.GetUInt32("llama.attention.head_count_kv"));
        Assert.Equal(1e-5f, info.GetFloat32("llama.attention.layer_norm_rms_epsilon")!.Value, 1e-9f);
        Assert.Null(info.GetString("llama.context_length"));
        Assert.Null(info.GetUInt32("no.such.key"));

        string[] tokens = Assert.IsType<string[]>(info.GetValue(GgufKeys.Tokens)!.Value);
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>"], tokens[..4]);
        int[] types = Assert.IsType<int[]>(info.GetValue(GgufKeys.TokenTypes)!.Value);
        Assert.Equal(6, types[3]);

        Assert.Equal(48, info.Tensors.Count);
        Assert.Equal(292_800, info.ParameterCount);
        GgufTensorInfo embeddings = info.FindTensor("token_embd.weight")!;
        Assert.Equal([64L, 512L], embeddings.Dimensions);
        Assert.Equal(GgmlType.F32, embeddings.Type);
        Assert.Equal(0, embeddings.Offset);
        Assert.Equal([172L, 64L], info.FindTensor("blk.4.ffn_down.weight")!.Dimensions);
        Assert.All(info.Tensors, t => Assert.Equal(0, t.Offset % info.Alignment));

        // The data section ends exactly at the end of the file.
        GgufTensorInfo last = info.Tensors.MaxBy(t => t.Offset)!;
        Assert.Equal(info.FileLength, info.DataOffset + last.Offset + last.ByteSize);
    }

    [Fact]
    public void Reads_the_shared_vocabulary_only_files()
    {
        GgufFileInfo phi3 = GgufValidator.Validate(TestPaths.RequireModel("ggml-vocab-phi-3.gguf"));
        Assert.Equal("phi3", phi3.Architecture);
        Assert.True(phi3.HasChatTemplate);
        Assert.Contains("<|assistant|>", phi3.ChatTemplate, StringComparison.Ordinal);
        Assert.Equal(32064, phi3.VocabularySize);
        Assert.Empty(phi3.Tensors);

        GgufFileInfo bert = GgufValidator.Validate(TestPaths.RequireModel("ggml-vocab-bert-bge.gguf"));
        Assert.Equal("bert", bert.Architecture);
        Assert.Equal("bert", bert.TokenizerModel);
        Assert.Equal(30522, bert.VocabularySize);

        GgufFileInfo gpt2 = GgufValidator.Validate(TestPaths.RequireModel("ggml-vocab-gpt-2.gguf"));
        Assert.Equal("gpt2", gpt2.TokenizerModel);
        Assert.Equal(50257, gpt2.VocabularySize);
    }

    [Theory]
    [InlineData(GgmlType.F32, 64, 256)]
    [InlineData(GgmlType.F16, 64, 128)]
    [InlineData(GgmlType.Q8_0, 64, 68)]
    [InlineData(GgmlType.Q4_K, 256, 144)]
    [InlineData(GgmlType.Q6_K, 512, 420)]
    [InlineData(GgmlType.Q5_0, 896, 616)]
    public void Tensor_byte_sizes_follow_the_block_layout(GgmlType type, int rowLength, long expectedRowBytes)
    {
        Assert.True(GgmlTypeTraits.TryGetBlockLayout(type, out int blockSize, out int typeSize));
        Assert.Equal(expectedRowBytes, (long)rowLength / blockSize * typeSize);
    }

    [Fact]
    public void Type_names_match_ggml()
    {
        Assert.Equal("q4_K", GgmlTypeTraits.GetName(GgmlType.Q4_K));
        Assert.Equal("q8_0", GgmlTypeTraits.GetName(GgmlType.Q8_0));
        Assert.Equal("f16", GgmlTypeTraits.GetName(GgmlType.F16));
        Assert.False(GgmlTypeTraits.TryGetBlockLayout((GgmlType)4, out _, out _));
    }
}
