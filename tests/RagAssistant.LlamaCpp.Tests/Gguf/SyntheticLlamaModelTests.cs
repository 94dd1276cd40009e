using RagAssistant.LlamaCpp.Gguf;

using RagAssistant.Testing.Gguf;
using RagAssistant.Testing.Models;

namespace RagAssistant.LlamaCpp.Tests.Gguf;

public sealed class SyntheticLlamaModelTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_tiny_model_has_the_layout_of_a_real_llama_model()
    {
        string path = _folder.File("tiny.gguf");
        SyntheticLlamaModel.WriteTiny(path);

        GgufFileInfo tiny = GgufValidator.Validate(path);
        GgufFileInfo stories = GgufReader.Read(TestPaths.Stories);

        Assert.Equal("llama", tiny.Architecture);
        Assert.Equal(512, tiny.VocabularySize);
        Assert.Equal(64ul, tiny.EmbeddingLength);
        Assert.Equal(2ul, tiny.BlockCount);
        Assert.True(tiny.HasChatTemplate);
        Assert.Equal("F32", tiny.FileTypeName);

        // Every metadata key the real model has (other than padding/separator ids) is present with the same type.
        string[] optional = ["tokenizer.ggml.seperator_token_id", "tokenizer.ggml.padding_token_id"];
        foreach ((string key, GgufValue value) in stories.Metadata.Where(kv => !optional.Contains(kv.Key)))
        {
            Assert.True(tiny.Metadata.ContainsKey(key), $"missing {key}");
            Assert.Equal(value.Type, tiny.Metadata[key].Type);
            Assert.Equal(value.ElementType, tiny.Metadata[key].ElementType);
        }

        // Same tensor names per block, same shape pattern ([n_embd, n_vocab], [n_ff, n_embd], ...).
        static IEnumerable<string> Kinds(GgufFileInfo info) => info.Tensors.Select(t => t.Name.StartsWith("blk.", StringComparison.Ordinal) ? t.Name[(t.Name.IndexOf('.', 4) + 1)..] : t.Name).Distinct().Order();
        Assert.Equal(Kinds(stories), Kinds(tiny));
        Assert.Equal([64L, 512L], tiny.FindTensor("output.weight")!.Dimensions);
        Assert.Equal([64L, 32L], tiny.FindTensor("blk.1.attn_k.weight")!.Dimensions);
        Assert.Equal([128L, 64L], tiny.FindTensor("blk.1.ffn_down.weight")!.Dimensions);
        Assert.Equal(GgmlType.F32, tiny.FindTensor("blk.0.attn_norm.weight")!.Type);
    }

    [Fact]
    public void Same_seed_gives_the_same_file_and_another_seed_different_weights()
    {
        string a = _folder.File("a.gguf");
        string b = _folder.File("b.gguf");
        string c = _folder.File("c.gguf");
        SyntheticLlamaModel.WriteTiny(a, seed: 7);
        SyntheticLlamaModel.WriteTiny(b, seed: 7);
        SyntheticLlamaModel.WriteTiny(c, seed: 8);

        byte[] first = File.ReadAllBytes(a);
        Assert.Equal(first, File.ReadAllBytes(b));
        byte[] other = File.ReadAllBytes(c);
        Assert.Equal(first.Length, other.Length);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Control_tokens_cannot_win_greedy_sampling()
    {
        string path = _folder.File("tiny.gguf");
        SyntheticLlamaModel.WriteTiny(path);
        GgufFileInfo info = GgufReader.Read(path);
        float[] output = GgufWriterTests.Decode(File.ReadAllBytes(path), info, info.FindTensor("output.weight")!);
        string[] tokens = (string[])info.GetValue(GgufKeys.Tokens)!.Value!;

        foreach (string control in new[] { "<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>" })
        {
            int id = Array.IndexOf(tokens, control);
            Assert.True(id >= 0, control);
            Assert.All(output.AsSpan(id * 64, 64).ToArray(), v => Assert.Equal(0f, v));
        }

        Assert.Contains(output.AsSpan(500 * 64, 64).ToArray(), v => v != 0f);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(151_936)]
    public void Vocabulary_has_unique_tokens_all_bytes_and_exact_size(int size)
    {
        var vocabulary = SyntheticVocabulary.Create(size, includeChatMarkers: true);

        Assert.Equal(size, vocabulary.Tokens.Length);
        Assert.Equal(size, vocabulary.Tokens.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["<unk>", "<s>", "</s>"], vocabulary.Tokens[..3]);
        Assert.Equal(256, vocabulary.TokenTypes.Count(t => t == 6));
        Assert.Contains("<0x0A>", vocabulary.Tokens);
        Assert.Contains(SyntheticVocabulary.SpaceMarker + "the", vocabulary.Tokens);
        Assert.Equal([0, 1, 2, 3, 4], vocabulary.ControlTokenIds);
    }

    [Fact]
    public void Qwen_0_5B_like_dimensions_read_back()
    {
        // One block and a smaller vocabulary keep this test fast in Debug builds; every other dimension is the preset's.
        SyntheticLlamaModelSpec preset = SyntheticLlamaModelSpec.Qwen05BLike;
        SyntheticLlamaModelSpec spec = preset with { BlockCount = 1, VocabularySize = 8192 };
        string path = _folder.File("qwen-like.gguf");
        SyntheticLlamaModel.Write(path, spec);

        GgufFileInfo info = GgufValidator.Validate(path);

        Assert.Equal(8192, info.VocabularySize);
        Assert.Equal(896ul, info.EmbeddingLength);
        Assert.Equal(32_768ul, info.ContextLength);
        Assert.Equal("F16", info.FileTypeName);
        Assert.Equal(14u, info.GetUInt32("llama.attention.head_count"));
        Assert.Equal(2u, info.GetUInt32("llama.attention.head_count_kv"));
        Assert.Equal(64u, info.GetUInt32("llama.rope.dimension_count"));
        Assert.Equal(1_000_000f, info.GetFloat32("llama.rope.freq_base"));
        Assert.Null(info.FindTensor("output.weight")); // tied to token_embd, as in Qwen2.5-0.5B
        Assert.Equal([896L, 8192L], info.FindTensor("token_embd.weight")!.Dimensions);
        Assert.Equal(GgmlType.F16, info.FindTensor("token_embd.weight")!.Type);
        Assert.Equal([896L, 128L], info.FindTensor("blk.0.attn_k.weight")!.Dimensions);
        Assert.Equal([4864L, 896L], info.FindTensor("blk.0.ffn_down.weight")!.Dimensions);
        Assert.Equal(info.FileLength, info.DataOffset + info.TensorDataBytes + PaddingOf(info));

        // The full preset: 24 blocks and 151,936 tokens give Qwen2.5-0.5B's parameter count without its biases (~494M).
        long perBlock = info.ParameterCount - (8192L * 896) - 896;
        long full = (preset.VocabularySize * 896L) + 896 + (preset.BlockCount * perBlock);
        Assert.Equal(151_936, preset.VocabularySize);
        Assert.Equal(24, preset.BlockCount);
        Assert.InRange(full, 490_000_000, 495_000_000);
    }

    [Fact]
    public void Rejects_impossible_dimensions()
    {
        Assert.Throws<ArgumentException>(() => SyntheticLlamaModel.Write(_folder.File("x.gguf"), SyntheticLlamaModelSpec.Tiny with { HeadCount = 5 }));
        Assert.Throws<ArgumentException>(() => SyntheticLlamaModel.Write(_folder.File("x.gguf"), SyntheticLlamaModelSpec.Tiny with { VocabularySize = 100 }));
        Assert.Throws<ArgumentException>(() => SyntheticLlamaModel.Write(_folder.File("x.gguf"), SyntheticLlamaModelSpec.Tiny with { WeightType = GgmlType.Q4_K }));
    }

    private static long PaddingOf(GgufFileInfo info) =>
        info.Tensors.Sum(t => ((t.ByteSize + info.Alignment - 1) / info.Alignment * info.Alignment) - t.ByteSize);
}
