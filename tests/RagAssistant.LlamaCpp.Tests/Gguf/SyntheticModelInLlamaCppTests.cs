using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.LlamaCpp.Runtime;

using RagAssistant.Testing.Gguf;
using RagAssistant.Testing.Models;

namespace RagAssistant.LlamaCpp.Tests.Gguf;

/// <summary>Files written by <see cref="SyntheticLlamaModel"/> load and run in llama.cpp like real models.</summary>
[Trait("Category", "EndToEnd")]
public sealed class SyntheticModelInLlamaCppTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_tiny_model_loads_and_generates_deterministically()
    {
        string path = _folder.File("tiny.gguf");
        SyntheticLlamaModel.WriteTiny(path);

        using LlamaChatClient client = CreateClient(path);
        Assert.Equal(SyntheticVocabulary.BosId, client.Model.BosToken);
        Assert.Equal(SyntheticVocabulary.EosId, client.Model.EosToken);
        Assert.False(client.UsesFallbackTemplate); // llama.cpp recognised the embedded ChatML template

        var options = new ChatOptions { MaxOutputTokens = 12, Temperature = 0 };
        ChatResponse first = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello world")], options, TestContext.Current.CancellationToken);
        ChatResponse second = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello world")], options, TestContext.Current.CancellationToken);

        // Control tokens have zero output rows, so the model never ends early: exactly MaxOutputTokens come out.
        Assert.Equal(12, first.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, first.FinishReason);
        Assert.False(string.IsNullOrEmpty(first.Text));
        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task The_tiny_model_quantized_to_Q8_0_still_runs()
    {
        string f32 = _folder.File("tiny-f32.gguf");
        string q8 = _folder.File("tiny-q8_0.gguf");
        SyntheticLlamaModel.WriteTiny(f32);

        ModelQuantizer.Quantize(f32, q8, QuantizedFileType.Q8_0, threads: 1);

        GgufFileInfo info = GgufValidator.Validate(q8);
        Assert.Equal("Q8_0", info.FileTypeName);
        Assert.Equal(GgmlType.Q8_0, info.FindTensor("blk.0.ffn_up.weight")!.Type);
        Assert.True(info.FileLength < new FileInfo(f32).Length / 2);

        using LlamaChatClient client = CreateClient(q8);
        ChatResponse response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, "Once upon a time")],
            new ChatOptions { MaxOutputTokens = 6, Temperature = 0 },
            TestContext.Current.CancellationToken);
        Assert.Equal(6, response.Usage?.OutputTokenCount);
    }

    private static LlamaChatClient CreateClient(string path) =>
        new(Options.Create(new LlamaChatClientOptions
        {
            ModelPath = path,
            ContextSize = 256,
            BatchSize = 256,
            Threads = 1,
            MaxTokens = 16,
            Temperature = 0,
            RepeatPenalty = 1,
        }));
}
