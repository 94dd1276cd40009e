using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Embeddings;
using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.LlamaCpp.Tests.DependencyInjection;

// Mostly options: resolving them validates without loading a model. The last tests resolve the clients themselves.
public sealed class LlamaRegistrationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Valid_chat_options_with_an_existing_file_pass()
    {
        var model = _folder.Write("model.gguf", "not loaded here");
        using var provider = Chat(new() { ["ModelPath"] = model, ["Slots"] = "2" });

        var options = provider.GetRequiredService<IOptions<LlamaChatClientOptions>>().Value;

        Assert.Equal(model, options.ModelPath);
        Assert.Equal(2, options.Slots);
    }

    [Fact]
    public void A_chat_model_path_that_names_no_file_passes_validation_and_fails_loading_with_the_path()
    {
        // A model that is not downloaded yet must not stop start-up; resolving the client is what loads (and fails).
        var missing = _folder.File("missing.gguf");
        using var provider = Chat(new() { ["ModelPath"] = missing });

        Assert.Equal(missing, provider.GetRequiredService<IOptions<LlamaChatClientOptions>>().Value.ModelPath);
        var error = Assert.Throws<ModelFileException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Equal(ModelFileProblem.Missing, error.Problem);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_chat_model_path_says_how_to_set_it_once()
    {
        using var provider = Chat([]);

        var failure = Assert.Single(Failures<LlamaChatClientOptions>(provider));

        Assert.Contains("--model FILE", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ContextSize", "100")]
    [InlineData("Slots", "0")]
    [InlineData("TopP", "1.5")]
    [InlineData("Threads", "-1")]
    [InlineData("GpuLayers", "-2")]
    public void Out_of_range_chat_options_fail_validation_with_the_setting_named(string key, string value)
    {
        using var provider = Chat(new() { ["ModelPath"] = _folder.Write("model.gguf", "x"), [key] = value });

        var failure = Assert.Single(Failures<LlamaChatClientOptions>(provider));

        Assert.Contains(key, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_line_model_path_applied_after_binding_is_the_one_validated()
    {
        var model = _folder.Write("named.gguf", "x");
        var services = new ServiceCollection();
        services.AddLlamaChatClient(Section(new() { ["ModelPath"] = _folder.File("configured.gguf") }), o => o.ModelPath = model);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(model, provider.GetRequiredService<IOptions<LlamaChatClientOptions>>().Value.ModelPath);
    }

    [Fact]
    public void An_embedding_model_path_that_names_no_file_passes_validation_and_fails_loading_with_the_path()
    {
        var missing = _folder.File("missing-embed.gguf");
        using var provider = Embedding(new() { ["ModelPath"] = missing });

        Assert.Equal(missing, provider.GetRequiredService<IOptions<LlamaEmbeddingGeneratorOptions>>().Value.ModelPath);
        var error = Assert.Throws<ModelFileException>(() => provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal(ModelFileProblem.Missing, error.Problem);
    }

    [Theory]
    [InlineData("MaxBatchTexts", "0")]
    [InlineData("ContextSize", "8")]
    [InlineData("Pooling", "9")]
    [InlineData("Threads", "-1")]
    [InlineData("GpuLayers", "-2")]
    public void Bad_embedding_options_fail_validation_with_the_setting_named(string key, string value)
    {
        using var provider = Embedding(new() { ["ModelPath"] = _folder.Write("embed.gguf", "x"), [key] = value });

        var failure = Assert.Single(Failures<LlamaEmbeddingGeneratorOptions>(provider));

        Assert.Contains(key, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_backend_fails_runtime_validation()
    {
        var services = new ServiceCollection().AddLlamaRuntime();
        services.Configure<LlamaRuntimeOptions>(Section(new() { ["Backend"] = "7" }));
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Single(Failures<LlamaRuntimeOptions>(provider));

        Assert.Contains("Backend", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Registering_twice_validates_once()
    {
        var section = Section(new() { ["ModelPath"] = _folder.File("model.gguf"), ["Slots"] = "0" });
        var services = new ServiceCollection();
        services.AddLlamaChatClient(section);
        services.AddLlamaChatClient(section);
        using var provider = services.BuildServiceProvider();

        Assert.Single(Failures<LlamaChatClientOptions>(provider));
    }

    [Trait("Category", "EndToEnd")]
    [Fact]
    public async Task A_keyed_registration_runs_the_model_through_the_pipeline_and_leaves_the_unkeyed_client_free()
    {
        var services = new ServiceCollection();
        var steps = new List<string>();
        services.AddLlamaChatClient(Section(new() { ["ModelPath"] = TestPaths.Stories, ["ContextSize"] = "256", ["Temperature"] = "0" }), serviceKey: "local")
            .Use((messages, options, next, cancellationToken) =>
            {
                steps.Add("pipeline");
                return next(messages, options, cancellationToken);
            });
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredKeyedService<IChatClient>("local");
        var response = await client.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 8 }, TestContext.Current.CancellationToken);

        Assert.NotEmpty(response.Text);
        Assert.Equal("pipeline", Assert.Single(steps));
        Assert.Same(provider.GetRequiredService<LlamaChatClient>(), client.GetService<LlamaChatClient>());
        Assert.Null(provider.GetService<IChatClient>());
    }

    private static ServiceProvider Chat(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLlamaChatClient(Section(settings));
        return services.BuildServiceProvider();
    }

    private static ServiceProvider Embedding(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLlamaEmbeddingGenerator(Section(settings));
        return services.BuildServiceProvider();
    }

    private static IConfiguration Section(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static IEnumerable<string> Failures<TOptions>(IServiceProvider provider)
        where TOptions : class =>
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TOptions>>().Value).Failures;
}
