using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Tests.Runtime;

/// <summary>The runtime on the real trained model ../shared/models/stories260K.gguf.</summary>
[Trait("Category", "EndToEnd")]
public sealed class StoriesGenerationTests
{
    private static readonly LlamaSamplingOptions Greedy = new() { Temperature = 0, RepeatPenalty = 1 };

    private static (LlamaModel Model, LlamaContext Context) Open(int contextSize = 512, int batchSize = 512)
    {
        var model = LlamaModel.Load(TestPaths.Stories);
        return (model, model.CreateContext(new LlamaContextOptions { ContextSize = contextSize, BatchSize = batchSize, Threads = 1 }));
    }

    private static string Run(LlamaContext context, int[] prompt, int maxTokens, IEnumerable<string>? stops = null, LlamaSamplingOptions? sampling = null)
    {
        var text = new System.Text.StringBuilder();
        LlamaGenerator.Generate(context, prompt, sampling ?? Greedy, maxTokens, stops, piece => text.Append(piece));
        return text.ToString();
    }

    [Fact]
    public void Reads_the_model_metadata()
    {
        using var model = LlamaModel.Load(TestPaths.Stories);
        Assert.Equal("llama", model.Info.Architecture);
        Assert.Equal(512, model.Info.VocabularySize);
        Assert.Equal(2048, model.Info.TrainedContextLength);
        Assert.Equal(64, model.Info.EmbeddingLength);
        Assert.Equal(5, model.Info.LayerCount);
        Assert.Equal(292_800UL, model.Info.ParameterCount);
        Assert.Null(model.Info.ChatTemplate);
        Assert.StartsWith("F32", model.Info.Quantization, StringComparison.Ordinal); // "F32 (guessed)": the file has no general.file_type
        Assert.Equal(1, model.BosToken);
        Assert.Equal(2, model.EosToken);
    }

    [Fact]
    public void Tokenize_round_trips_and_matches_the_reference_ids()
    {
        using var model = LlamaModel.Load(TestPaths.Stories);
        var tokens = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);
        Assert.Equal([1, 403, 407, 261, 378], tokens);
        Assert.Equal("Once upon a time", model.Detokenize(tokens).TrimStart());
    }

    [Fact]
    public void Greedy_continuation_of_once_upon_a_time_is_the_reference_story()
    {
        var (model, context) = Open();
        using (model)
        using (context)
        {
            var prompt = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);
            var text = Run(context, prompt, 50);

            // llama.cpp's (and node-llama-cpp's) greedy output for this file, per ../shared/models/MANIFEST.md.
            Assert.Equal(", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it", text);
        }
    }

    [Fact]
    public void Greedy_generation_is_identical_across_runs_and_contexts()
    {
        var (model, context) = Open();
        using (model)
        using (context)
        using (var second = model.CreateContext(new LlamaContextOptions { ContextSize = 512, Threads = 1 }))
        {
            var prompt = model.Tokenize("The dog", addSpecial: true, parseSpecial: false);
            var first = Run(context, prompt, 40);
            context.Clear();
            Assert.Equal(first, Run(context, prompt, 40));
            Assert.Equal(first, Run(second, prompt, 40));
        }
    }

    [Fact]
    public void Kv_cache_reuse_gives_the_same_tokens_as_a_cold_run_and_decodes_only_the_suffix()
    {
        var (model, context) = Open();
        using (model)
        using (context)
        {
            var first = model.Tokenize("Once upon a time there was a cat.", addSpecial: true, parseSpecial: false);
            var followUp = model.Tokenize("Once upon a time there was a cat. The cat liked to", addSpecial: true, parseSpecial: false);
            Run(context, first, 10);

            context.ResetPerformance();
            var warm = Run(context, followUp, 30);
            var reused = context.GetPerformance();

            context.Clear();
            var cold = Run(context, followUp, 30);

            Assert.Equal(cold, warm);
            Assert.True(reused.PromptTokens < followUp.Length, $"expected only the new suffix decoded, llama.cpp decoded {reused.PromptTokens} of {followUp.Length}");
        }
    }

    [Fact]
    public void Long_prompts_are_decoded_in_batches_no_larger_than_the_batch_size()
    {
        // A 300-token prompt with batch 64: one llama_decode of 300 would abort the process.
        var (model, context) = Open(contextSize: 512, batchSize: 64);
        using (model)
        using (context)
        {
            var prompt = model.Tokenize(string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 40)), addSpecial: true, parseSpecial: false);
            Assert.True(prompt.Length > 200);
            Assert.Equal(64, context.BatchSize);
            var text = Run(context, prompt, 5);
            Assert.False(string.IsNullOrEmpty(text));
        }
    }

    [Fact]
    public void Oversized_prompt_and_invalid_tokens_are_exceptions_not_aborts()
    {
        var (model, context) = Open(contextSize: 256);
        using (model)
        using (context)
        {
            var tooLong = Enumerable.Repeat(403, context.ContextSize + 1).ToArray();
            Assert.Throws<LlamaContextFullException>(() => context.Prefill(tooLong, TestContext.Current.CancellationToken));
            Assert.Throws<ArgumentOutOfRangeException>(() => context.Prefill([1, 99_999], TestContext.Current.CancellationToken));
            Assert.Throws<ArgumentOutOfRangeException>(() => context.Prefill([-5], TestContext.Current.CancellationToken));

            // Still usable afterwards.
            Assert.False(string.IsNullOrEmpty(Run(context, [1, 403, 407, 261, 378], 5)));
        }
    }

    [Fact]
    public void Generation_stops_at_max_tokens_and_at_the_context_end()
    {
        var (model, context) = Open(contextSize: 256);
        using (model)
        using (context)
        {
            var prompt = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);
            var result = LlamaGenerator.Generate(context, prompt, Greedy, 7, null, _ => { }, TestContext.Current.CancellationToken);
            Assert.Equal(LlamaFinishReason.Length, result.FinishReason);
            Assert.Equal(7, result.CompletionTokens);

            context.Clear();
            var full = LlamaGenerator.Generate(context, prompt, new LlamaSamplingOptions { Temperature = 1, Seed = 3, RepeatPenalty = 1 }, 10_000, null, _ => { }, TestContext.Current.CancellationToken);
            Assert.True(full.FinishReason is LlamaFinishReason.Length or LlamaFinishReason.EndOfGeneration);
            Assert.InRange(context.CachedTokens.Count, prompt.Length, context.ContextSize);
            if (full.FinishReason == LlamaFinishReason.Length)
            {
                // Stopped by the full context, not by the 10 000-token limit; the last sampled token is never decoded.
                Assert.Equal(context.ContextSize, prompt.Length + full.CompletionTokens - 1);
            }
        }
    }

    [Fact]
    public void Stop_sequences_end_generation_and_are_not_emitted()
    {
        var (model, context) = Open();
        using (model)
        using (context)
        {
            var prompt = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);
            var text = Run(context, prompt, 50, ["Lily"]);
            Assert.Equal(", there was a little girl named ", text);

            // Also when the stop sequence spans several tokens.
            context.Clear();
            Assert.Equal(", there was a little girl named Lily. She loved to play ", Run(context, prompt, 50, ["outside in"]));
        }
    }

    [Fact]
    public void Cancellation_mid_stream_stops_and_leaves_the_context_usable()
    {
        var (model, context) = Open();
        using (model)
        using (context)
        {
            var prompt = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);
            using var cts = new CancellationTokenSource();
            var pieces = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => LlamaGenerator.Generate(context, prompt, Greedy, 200, null, _ =>
            {
                if (++pieces == 5)
                {
                    cts.Cancel();
                }
            }, cts.Token));
            Assert.Equal(5, pieces);

            context.Clear();
            Assert.StartsWith(", there was a little girl", Run(context, prompt, 20), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_differs_from_greedy()
    {
        var (model, context) = Open();
        using (model)
        using (context)
        {
            var prompt = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);
            var sampling = new LlamaSamplingOptions { Temperature = 1.2f, TopK = 40, TopP = 0.95f, MinP = 0.01f, RepeatPenalty = 1.1f, Seed = 42 };
            var a = Run(context, prompt, 40, sampling: sampling);
            context.Clear();
            var b = Run(context, prompt, 40, sampling: sampling);
            context.Clear();
            var greedy = Run(context, prompt, 40);
            Assert.Equal(a, b);
            Assert.NotEqual(greedy, a);
        }
    }
}
