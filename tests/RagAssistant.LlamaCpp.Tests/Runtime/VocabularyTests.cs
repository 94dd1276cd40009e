using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Tests.Runtime;

/// <summary>llama.cpp's own tokenizer test vectors, through the binding, on vocabulary-only models.</summary>
[Trait("Category", "EndToEnd")]
public sealed class VocabularyTests
{
    [Theory]
    [InlineData("ggml-vocab-llama-spm.gguf")]
    [InlineData("ggml-vocab-phi-3.gguf")]
    [InlineData("ggml-vocab-bert-bge.gguf")]
    [InlineData("ggml-vocab-gpt-2.gguf")]
    [InlineData("ggml-vocab-qwen2.gguf")]
    [InlineData("ggml-vocab-llama-bpe.gguf")]
    public void Tokenizer_matches_llama_cpp_reference_vectors(string file)
    {
        var path = TestPaths.RequireModel(file);
        var inputs = File.ReadAllText(path + ".inp").Split("\n__ggml_vocab_test__\n");
        var expected = File.ReadAllLines(path + ".out");
        using var model = LlamaModel.Load(path, new LlamaModelLoadOptions { VocabOnly = true });
        Assert.Equal(expected.Length, inputs.Length - (inputs[^1].Length == 0 ? 1 : 0));
        for (var i = 0; i < expected.Length; i++)
        {
            var ids = model.Tokenize(inputs[i], addSpecial: false, parseSpecial: false);
            Assert.Equal(expected[i].Trim(), string.Join(' ', ids));
        }
    }

    [Fact]
    public void Pieces_split_inside_a_utf8_character_are_held_until_complete()
    {
        using var model = LlamaModel.Load(TestPaths.RequireModel("ggml-vocab-llama-spm.gguf"), new LlamaModelLoadOptions { VocabOnly = true });
        const string text = "naïve café 😀 日本語 ünïcödé";
        var tokens = model.Tokenize(text, addSpecial: false, parseSpecial: false);
        var decoder = model.CreateDecoder();
        var pieces = new List<string>();
        var buffer = new byte[64];
        var splitInsideCharacter = false;
        foreach (var token in tokens)
        {
            var n = model.TokenToBytes(token, buffer);
            splitInsideCharacter |= n > 0 && !System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, n));
            decoder.Add(token);
            pieces.Add(decoder.Read());
        }

        Assert.True(splitInsideCharacter, "the test needs byte-fallback tokens that split a character");
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.Equal(text, string.Concat(pieces).TrimStart());
    }

    [Fact]
    public void Applies_the_models_own_chat_template()
    {
        using var model = LlamaModel.Load(TestPaths.RequireModel("ggml-vocab-phi-3.gguf"), new LlamaModelLoadOptions { VocabOnly = true });
        Assert.NotNull(model.Info.ChatTemplate);
        var prompt = model.ApplyChatTemplate([("system", "Be brief."), ("user", "Hi")], addAssistantPrefix: true);
        Assert.Equal("<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n", prompt);

        var chatml = model.ApplyChatTemplate([("user", "Hi")], addAssistantPrefix: true, template: "chatml");
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", chatml);
        Assert.Null(model.ApplyChatTemplate([("user", "Hi")], true, template: "{{ not a known template }}"));
    }

    [Fact]
    public void A_vocab_only_model_refuses_to_decode()
    {
        using var model = LlamaModel.Load(TestPaths.RequireModel("ggml-vocab-llama-spm.gguf"), new LlamaModelLoadOptions { VocabOnly = true });
        Assert.Throws<InvalidOperationException>(() => model.CreateContext(new LlamaContextOptions()));
    }
}
