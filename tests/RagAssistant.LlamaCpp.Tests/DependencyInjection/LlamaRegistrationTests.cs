using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Embeddings;

namespace RagAssistant.LlamaCpp.Tests.DependencyInjection;

// Options only: resolving them validates without loading a model, so no GGUF file is read here.
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
    public void A_chat_model_path_that_names_no_file_fails_validation_with_the_setting_and_the_path()
    {
        var missing = _folder.File("missing.gguf");
        using var provider = Chat(new() { ["ModelPath"] = missing });

        var failure = Assert.Single(Failures<LlamaChatClientOptions>(provider));

        Assert.Contains("ChatModel:ModelPath does not name an existing file", failure, StringComparison.Ordinal);
        Assert.Contains(missing, failure, StringComparison.Ordinal);
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
        var services = new ServiceCollection().AddLlamaChatClient(Section(new() { ["ModelPath"] = _folder.File("configured.gguf") }), o => o.ModelPath = model);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(model, provider.GetRequiredService<IOptions<LlamaChatClientOptions>>().Value.ModelPath);
    }

    [Fact]
    public void An_embedding_model_path_that_names_no_file_fails_validation_with_the_setting_and_the_path()
    {
        var missing = _folder.File("missing-embed.gguf");
        using var provider = Embedding(new() { ["ModelPath"] = missing });

        var failure = Assert.Single(Failures<LlamaEmbeddingGeneratorOptions>(provider));

        Assert.Contains("EmbeddingModel:ModelPath does not name an existing file", failure, StringComparison.Ordinal);
        Assert.Contains(missing, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxBatchTexts", "0")]
    [InlineData("ContextSize", "8")]
    [InlineData("Pooling", "9")]
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
        var section = Section(new() { ["ModelPath"] = _folder.File("missing.gguf") });
        using var provider = new ServiceCollection().AddLlamaChatClient(section).AddLlamaChatClient(section).BuildServiceProvider();

        Assert.Single(Failures<LlamaChatClientOptions>(provider));
    }

    private static ServiceProvider Chat(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddLlamaChatClient(Section(settings)).BuildServiceProvider();

    private static ServiceProvider Embedding(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddLlamaEmbeddingGenerator(Section(settings)).BuildServiceProvider();

    private static IConfiguration Section(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static IEnumerable<string> Failures<TOptions>(IServiceProvider provider)
        where TOptions : class =>
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TOptions>>().Value).Failures;
}
