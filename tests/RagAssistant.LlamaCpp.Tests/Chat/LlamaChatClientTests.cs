using Microsoft.Extensions.AI;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Tests.TestSupport;

namespace RagAssistant.LlamaCpp.Tests.Chat;

/// <summary>The IChatClient adapter end to end on the real stories260K model (which has no chat template).</summary>
[Trait("Category", "EndToEnd")]
public sealed class LlamaChatClientTests(StoriesModelFixture fixture) : IClassFixture<StoriesModelFixture>
{
    private static readonly ChatMessage[] Story = [new(ChatRole.User, "Once upon a time")];
    private static readonly ChatOptions GreedyOptions = new() { Temperature = 0, MaxOutputTokens = 40 };

    [Fact]
    public async Task Streams_english_words_with_usage_and_finish_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in fixture.Client.GetStreamingResponseAsync(Story, GreedyOptions, ct))
        {
            updates.Add(update);
        }

        var textUpdates = updates.Where(u => !string.IsNullOrEmpty(u.Text)).ToList();
        Assert.True(textUpdates.Count > 5, "expected the answer to arrive in many pieces");
        var text = string.Concat(textUpdates.Select(u => u.Text));
        var words = text.Split([' ', '.', ',', '\n', '!', '"'], StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length >= 5);
        Assert.Contains(words, w => w is "the" or "a" or "was" or "she" or "he" or "They" or "The");

        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details;
        Assert.True(usage.InputTokenCount > 3);
        Assert.InRange(usage.OutputTokenCount!.Value, 1, 40);
        Assert.NotNull(updates[^1].FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_equals_the_streamed_text_and_is_deterministic_when_greedy()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await fixture.Client.GetResponseAsync(Story, GreedyOptions, ct);
        var second = await fixture.Client.GetResponseAsync(Story, GreedyOptions, ct);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(ChatFinishReason.Length, first.FinishReason);
        Assert.Equal(40, first.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Max_output_tokens_and_stop_sequences_from_chat_options_apply()
    {
        var ct = TestContext.Current.CancellationToken;
        var full = await fixture.Client.GetResponseAsync(Story, GreedyOptions, ct);
        var cut = full.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        var stopped = await fixture.Client.GetResponseAsync(Story, new ChatOptions { Temperature = 0, MaxOutputTokens = 40, StopSequences = [cut] }, ct);
        Assert.DoesNotContain(cut, stopped.Text, StringComparison.Ordinal);
        Assert.StartsWith(stopped.Text, full.Text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);

        var three = await fixture.Client.GetResponseAsync(Story, new ChatOptions { Temperature = 0, MaxOutputTokens = 3 }, ct);
        Assert.Equal(3, three.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Cancelling_mid_stream_frees_the_slot_and_the_next_answer_is_unchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var expected = (await fixture.Client.GetResponseAsync(Story, GreedyOptions, ct)).Text;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in fixture.Client.GetStreamingResponseAsync(Story, new ChatOptions { Temperature = 0, MaxOutputTokens = 400 }, cts.Token))
            {
                if (++seen == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        var after = await fixture.Client.GetResponseAsync(Story, GreedyOptions, ct);
        Assert.Equal(expected, after.Text);
    }

    [Fact]
    public async Task Breaking_out_of_the_stream_early_frees_the_slot()
    {
        var ct = TestContext.Current.CancellationToken;
        await foreach (var update in fixture.Client.GetStreamingResponseAsync(Story, new ChatOptions { Temperature = 0, MaxOutputTokens = 400 }, ct))
        {
            break;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var next = await fixture.Client.GetResponseAsync(Story, GreedyOptions, timeout.Token);
        Assert.False(string.IsNullOrEmpty(next.Text));
    }

    [Fact]
    public async Task Concurrent_callers_queue_and_never_corrupt_each_other()
    {
        var ct = TestContext.Current.CancellationToken;
        ChatMessage[][] prompts = [Story, [new(ChatRole.User, "The little dog")], [new(ChatRole.User, "Tom had a red ball")]];
        var sequential = new List<string>();
        foreach (var prompt in prompts)
        {
            sequential.Add((await fixture.Client.GetResponseAsync(prompt, GreedyOptions, ct)).Text);
        }

        using var twoSlots = StoriesModelFixture.Create(slots: 2);
        foreach (var client in new IChatClient[] { fixture.Client, twoSlots })
        {
            var tasks = Enumerable.Range(0, 9).Select(i => client.GetResponseAsync(prompts[i % 3], GreedyOptions, ct)).ToArray();
            var answers = await Task.WhenAll(tasks);
            for (var i = 0; i < answers.Length; i++)
            {
                Assert.Equal(sequential[i % 3], answers[i].Text);
            }
        }
    }

    [Fact]
    public async Task A_follow_up_reuses_the_cached_conversation()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = StoriesModelFixture.Create(slots: 1);
        var first = await client.GetResponseAsync(Story, GreedyOptions, ct);
        ChatMessage[] followUp = [.. Story, new(ChatRole.Assistant, first.Text), new(ChatRole.User, "What happened next?")];
        var second = await client.GetResponseAsync(followUp, GreedyOptions, ct);
        Assert.True(second.Usage!.CachedInputTokenCount > 5, $"expected the shared prefix reused, got {second.Usage.CachedInputTokenCount}");
    }

    [Fact]
    public void Exposes_metadata_and_falls_back_to_a_plain_format_without_a_template()
    {
        var metadata = fixture.Client.GetService<ChatClientMetadata>();
        Assert.Equal("llama.cpp", metadata!.ProviderName);
        Assert.Equal("stories260K", metadata.DefaultModelId);
        Assert.True(fixture.Client.UsesFallbackTemplate);
        Assert.True(fixture.Client.ContextSize >= 512);
    }

    [Fact]
    public async Task A_prompt_larger_than_the_context_is_a_clear_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var huge = string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 400));
        var error = await Assert.ThrowsAsync<RagAssistant.LlamaCpp.Runtime.LlamaContextFullException>(() => fixture.Client.GetResponseAsync([new ChatMessage(ChatRole.User, huge)], GreedyOptions, ct));
        Assert.Contains("ContextSize", error.Message, StringComparison.Ordinal);
    }
}
