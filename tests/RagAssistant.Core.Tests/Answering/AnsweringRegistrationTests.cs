using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.Evaluation;

namespace RagAssistant.Core.Tests.Answering;

public sealed class AnsweringRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, IChatClient? chatClient = null, ITokenizer? chatTokenizer = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<IPaperRetriever>(new FakeRetriever([FakeRetriever.Hit("Densing Law of LLMs", "Density doubles every three months.", 0.9)]));
        if (chatClient is not null)
        {
            services.AddSingleton(chatClient);
        }

        if (chatTokenizer is not null)
        {
            services.AddKeyedSingleton(ITokenizer.ChatKey, chatTokenizer);
        }

        services.AddRagAnswering(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Resolves_a_pipeline_bound_to_configuration()
    {
        using var provider = Build(new()
        {
            ["Answering:PromptsFolder"] = PipelineHarness.Prompts,
            ["Answering:MaxAnswerTokens"] = "100",
            ["Assistant:RetrievalOnly"] = "true",
        }, new ScriptedChatClient());

        Assert.Equal(100, provider.GetRequiredService<IOptions<AnsweringOptions>>().Value.MaxAnswerTokens);
        var pipeline = provider.GetRequiredService<IAnswerPipeline>();
        var result = await pipeline.AnswerAsync(new AnswerRequest("How fast does density grow?"), TestContext.Current.CancellationToken);
        Assert.Equal(AnswerMode.RetrievalOnly, result.Mode);
        Assert.NotNull(provider.GetRequiredService<AnswerEvaluator>());
    }

    [Fact]
    public async Task The_chat_models_tokenizer_is_the_one_keyed_chat()
    {
        // A 256-token context leaves the answer a quarter of it: only the keyed tokenizer knows that size.
        var chat = new ScriptedChatClient(["Density doubles [1]."]);
        using var provider = Build(new() { ["Answering:PromptsFolder"] = PipelineHarness.Prompts }, chat, new WordTokenizer(256));

        await provider.GetRequiredService<IAnswerPipeline>().AnswerAsync(new AnswerRequest("How fast does density grow?"), TestContext.Current.CancellationToken);

        Assert.Equal(64, chat.Calls[0].Options!.MaxOutputTokens);
    }

    [Fact]
    public void Missing_prompts_folder_fails_validation_naming_the_setting()
    {
        using var provider = Build(new() { ["Answering:PromptsFolder"] = "/nonexistent/prompts" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AnsweringOptions>>().Value);

        Assert.Contains("Answering:PromptsFolder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_values_fail_validation()
    {
        using var provider = Build(new() { ["Answering:PromptsFolder"] = PipelineHarness.Prompts, ["Answering:MinRelevance"] = "1.5" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AnsweringOptions>>().Value);

        Assert.Contains("MinRelevance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_phrase_without_words_fails_validation_once_with_the_setting_named()
    {
        using var provider = Build(new() { ["Answering:PromptsFolder"] = PipelineHarness.Prompts, ["Answering:RefusalPhrase"] = "?! ..." });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AnsweringOptions>>().Value);

        Assert.Equal("Answering:RefusalPhrase must contain words.", Assert.Single(error.Failures));
    }

    [Fact]
    public void Each_missing_prompt_template_is_named()
    {
        using var prompts = new TempFolder();
        prompts.Write("Answer/skprompt.txt", "{{$question}}");
        using var provider = Build(new() { ["Answering:PromptsFolder"] = prompts.Path });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AnsweringOptions>>().Value);

        var failures = error.Failures.ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.StartsWith("Answering:PromptsFolder: the prompt template", f, StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains(Path.Combine(prompts.Path, "System", "skprompt.txt"), StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains(Path.Combine(prompts.Path, "Rewrite", "skprompt.txt"), StringComparison.Ordinal));
    }
}
