using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.Testing.Files;

namespace RagAssistant.Console.Tests.Hosting;

/// <summary>What <c>AddRagAssistant</c> registers for each chat and embedding provider, and how bad settings fail.</summary>
public sealed class ModelProviderCompositionTests
{
    private const string Endpoint = "http://127.0.0.1:11434/v1";

    [Fact]
    public async Task OpenAICompatible_chat_is_an_OpenAI_client_for_the_endpoint_and_model_behind_the_logging_pipeline()
    {
        using var host = Build(new()
        {
            ["ChatModel:Provider"] = "openaicompatible",
            ["ChatModel:Endpoint"] = Endpoint,
            ["ChatModel:ModelId"] = "qwen2.5:0.5b",
            ["ChatModel:ContextSize"] = "8192",
        });
        host.Services.ValidateStartupOptions();

        var client = host.Services.GetRequiredService<IChatClient>();
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.NotNull(client.GetService<LoggingChatClient>());
        Assert.NotNull(client.GetService<OpenTelemetryChatClient>());
        Assert.Equal("qwen2.5:0.5b", metadata?.DefaultModelId);
        Assert.StartsWith(Endpoint, metadata?.ProviderUri?.ToString(), StringComparison.Ordinal);

        // The OpenAI API cannot count tokens: the pessimistic estimate packs the prompt into the configured context.
        var tokenizer = Assert.IsType<ApproximateTokenizer>(host.Services.GetRequiredKeyedService<ITokenizer>(ITokenizer.ChatKey));
        Assert.Equal(8192, tokenizer.ContextSize);

        var runtime = await LoadModelsAsync(host);
        Assert.False(runtime.RetrievalOnly);
        Assert.Null(runtime.ChatModelPath);
        Assert.Equal("remote", runtime.Backend);
        Assert.Equal(ChatModelState.Remote, host.Services.GetRequiredService<AssistantReadiness>().ChatModel);
        Assert.Equal(8192, runtime.ContextSize);
        Assert.Contains("qwen2.5:0.5b", runtime.ChatModelDescription, StringComparison.Ordinal);
        Assert.Equal(AnswerMode.Generated, host.Services.GetRequiredService<AnswerPipeline>().Mode);
        Assert.Null(host.Services.GetService<LlamaChatClient>());
    }

    [Fact]
    public async Task OpenAICompatible_embeddings_are_an_OpenAI_generator_for_the_endpoint_and_model()
    {
        using var host = Build(new()
        {
            [CommandLineOverrides.RetrievalOnlyKey] = "true",
            ["EmbeddingModel:Provider"] = "OpenAICompatible",
            ["EmbeddingModel:Endpoint"] = Endpoint,
            ["EmbeddingModel:ModelId"] = "nomic-embed-text",
        });
        host.Services.ValidateStartupOptions();

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(generator.GetService<LoggingEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal("nomic-embed-text", metadata?.DefaultModelId);
        Assert.StartsWith(Endpoint, metadata?.ProviderUri?.ToString(), StringComparison.Ordinal);
        Assert.Contains("nomic-embed-text", (await LoadModelsAsync(host)).EmbeddingModelDescription, StringComparison.Ordinal);
    }

    [Trait("Category", "EndToEnd")]
    [Fact]
    public async Task LlamaSharp_chat_loads_the_gguf_file_behind_the_logging_pipeline()
    {
        using var host = Build(new() { ["ChatModel:ModelPath"] = TestPaths.Stories });
        host.Services.ValidateStartupOptions();

        var client = host.Services.GetRequiredService<IChatClient>();
        Assert.NotNull(client.GetService<LoggingChatClient>());
        Assert.Same(host.Services.GetRequiredService<LlamaChatClient>(), client.GetService<LlamaChatClient>());
        var runtime = await LoadModelsAsync(host);
        Assert.False(runtime.RetrievalOnly);
        Assert.Equal(TestPaths.Stories, runtime.ChatModelPath);
    }

    [Fact]
    public async Task A_configured_gguf_that_is_not_downloaded_means_retrieval_only_with_the_fetch_command()
    {
        using var host = Build(new() { ["ChatModel:ModelPath"] = "/nonexistent/qwen.gguf" });
        host.Services.ValidateStartupOptions();

        Assert.Null(host.Services.GetService<IChatClient>());
        Assert.Null(host.Services.GetKeyedService<ITokenizer>(ITokenizer.ChatKey));
        var runtime = await LoadModelsAsync(host);
        Assert.True(runtime.RetrievalOnly);
        Assert.Equal(ChatModelState.Missing, host.Services.GetRequiredService<AssistantReadiness>().ChatModel);
        Assert.Equal(AnswerMode.RetrievalOnly, host.Services.GetRequiredService<AnswerPipeline>().Mode);

        // Without a front end's own hint, the notice names the command line that saves the default model there.
        Assert.Contains(runtime.Notices, n => n.Contains("/nonexistent/qwen.gguf", StringComparison.Ordinal)
            && n.Contains("curl -L --create-dirs -o /nonexistent/qwen.gguf https://", StringComparison.Ordinal)
            && n.Contains("then restart", StringComparison.Ordinal));
    }

    [Fact]
    public void Registering_probes_no_file_and_throws_nothing_for_models_in_a_folder_that_does_not_exist()
    {
        using var folder = new RagAssistant.Testing.Files.TempFolder();
        var missing = Path.Combine(folder.Path, "not-yet");
        var named = Path.Combine(missing, "named.gguf");
        var builder = CreateBuilder(new()
        {
            ["EmbeddingModel:Provider"] = "Gguf",
            ["EmbeddingModel:ModelPath"] = Path.Combine(missing, "embedder.gguf"),
        });
        builder.Configuration.AddInMemoryCollection(new CommandLineOverrides(ModelPath: named).ToConfiguration());

        builder.AddRagAssistant();

        // The file appears after registration: had registering probed it, start-up would now fail for --model.
        Directory.CreateDirectory(missing);
        File.WriteAllText(named, "not a model");
        using var host = builder.Build();
        host.Services.ValidateStartupOptions();
        var files = host.Services.GetRequiredService<LocalModelFiles>();
        Assert.Equal(new LocalModelFile("chat", named, IsPresent: true, "--model"), files.Chat);
        Assert.Equal(new LocalModelFile("embedding", Path.Combine(missing, "embedder.gguf"), IsPresent: false, null), files.Embedding);
        Assert.Null(host.Services.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
    }

    [Fact]
    public async Task A_file_that_is_not_a_model_is_loaded_by_the_start_up_not_when_its_services_are_resolved()
    {
        using var folder = new RagAssistant.Testing.Files.TempFolder();
        var path = Path.Combine(folder.Path, "broken.gguf");
        await File.WriteAllTextAsync(path, "<html>not a model</html>", TestContext.Current.CancellationToken);
        using var host = Build(new() { ["ChatModel:ModelPath"] = path });

        host.Services.ValidateStartupOptions();
        var startup = host.Services.GetRequiredService<AssistantStartup>();
        Assert.Equal(ModelState.Loading, startup.Readiness.ModelState);
        Assert.Null(startup.Readiness.Runtime);

        var runtime = await startup.LoadModelsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ModelState.Failed, startup.Readiness.ModelState);
        Assert.Equal(ChatModelState.Failed, startup.Readiness.ChatModel);
        Assert.False(string.IsNullOrWhiteSpace(startup.Readiness.ModelError));
        Assert.True(runtime.RetrievalOnly);
        Assert.Same(runtime, startup.Readiness.Runtime);
        Assert.ThrowsAny<Exception>(startup.ThrowIfModelsFailed);
    }

    [Fact]
    public void A_missing_model_named_on_the_command_line_fails_validation_not_registration()
    {
        var settings = new CommandLineOverrides(ModelPath: "/nonexistent/named.gguf").ToConfiguration().ToDictionary(p => p.Key, p => p.Value);

        using var host = Build(settings);

        var error = Assert.Throws<OptionsValidationException>(host.Services.ValidateStartupOptions);
        var failure = Assert.Single(error.Failures);
        Assert.Contains("The chat model file /nonexistent/named.gguf (from --model) does not exist", failure, StringComparison.Ordinal);
        // Both front ends show this message: it names the setting to fall back on, not a console-only command.
        Assert.Contains("leave out --model to use ChatModel:ModelPath", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet run", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corpus_folder_that_does_not_exist_fails_start_up_instead_of_indexing_nothing()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "typo");
        var file = Path.Combine(folder.Path, "note.md");
        File.WriteAllText(file, "# A note");

        using var missingHost = Build(new CommandLineOverrides(CorpusFolder: missing).ToConfiguration().ToDictionary(p => p.Key, p => p.Value));
        using var fileHost = Build(new CommandLineOverrides(CorpusFolder: file).ToConfiguration().ToDictionary(p => p.Key, p => p.Value));

        var notFound = Assert.Single(Assert.Throws<OptionsValidationException>(missingHost.Services.ValidateStartupOptions).Failures);
        Assert.Contains($"The corpus folder {missing} does not exist. Point --corpus", notFound, StringComparison.Ordinal);
        var notAFolder = Assert.Single(Assert.Throws<OptionsValidationException>(fileHost.Services.ValidateStartupOptions).Failures);
        Assert.Contains($"The corpus folder {file} is a file, not a folder.", notAFolder, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ChatModel", null, "qwen", null, "Endpoint is required")]
    [InlineData("ChatModel", "localhost:11434", "qwen", null, "absolute http:// or https:// URL")]
    [InlineData("ChatModel", "ftp://127.0.0.1/v1", "qwen", null, "absolute http:// or https:// URL")]
    [InlineData("EmbeddingModel", "file:///tmp/v1", "nomic-embed-text", null, "absolute http:// or https:// URL")]
    [InlineData("ChatModel", Endpoint, null, null, "ModelId is required")]
    [InlineData("ChatModel", Endpoint, "qwen", "100", "ContextSize must be between 256")]
    [InlineData("EmbeddingModel", null, "nomic-embed-text", null, "Endpoint is required")]
    [InlineData("ChatModel", "http://127.0.0.1:11434/v1/chat/completions", "qwen", null, "Endpoint must be the server's base URL ending in /v1, without /chat/completions, e.g. http://127.0.0.1:11434/v1;")]
    [InlineData("EmbeddingModel", "http://127.0.0.1:11434/v1/embeddings/", "nomic-embed-text", null, "without /embeddings, e.g. http://127.0.0.1:11434/v1;")]
    public void Bad_server_settings_fail_start_up_validation_with_what_to_fix(string section, string? endpoint, string? modelId, string? contextSize, string expected)
    {
        using var host = Build(new()
        {
            [CommandLineOverrides.RetrievalOnlyKey] = section == "ChatModel" ? null : "true",
            [$"{section}:Provider"] = "OpenAICompatible",
            [$"{section}:Endpoint"] = endpoint,
            [$"{section}:ModelId"] = modelId,
            [$"{section}:ContextSize"] = contextSize,
        });

        var error = Assert.Throws<OptionsValidationException>(host.Services.ValidateStartupOptions);
        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("02:00:00")]
    public void A_timeout_out_of_range_fails_start_up_validation(string timeout)
    {
        using var host = Build(new()
        {
            ["ChatModel:Provider"] = "OpenAICompatible",
            ["ChatModel:Endpoint"] = Endpoint,
            ["ChatModel:ModelId"] = "qwen",
            ["ChatModel:Timeout"] = timeout,
        });

        var error = Assert.Throws<OptionsValidationException>(host.Services.ValidateStartupOptions);
        Assert.Contains(error.Failures, f => f.Contains("Timeout must be between 00:00:01 and 01:00:00", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ChatModel:Provider", "Ollama", "use LlamaSharp")]
    [InlineData("EmbeddingModel:Provider", "Openai", "OpenAICompatible (a server at EmbeddingModel:Endpoint)")]
    public void An_unknown_provider_fails_start_up_validation_and_names_the_choices(string key, string value, string expected)
    {
        using var host = Build(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(host.Services.ValidateStartupOptions);
        Assert.Contains(error.Failures, f => f.Contains(value, StringComparison.Ordinal) && f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Environment_variables_choose_the_provider_as_appsettings_json_does()
    {
        Environment.SetEnvironmentVariable("RAGTEST_ChatModel__Provider", "OpenAICompatible");
        Environment.SetEnvironmentVariable("RAGTEST_ChatModel__Endpoint", Endpoint);
        Environment.SetEnvironmentVariable("RAGTEST_ChatModel__ModelId", "llama3");
        try
        {
            var builder = CreateBuilder([]);
            builder.Configuration.AddEnvironmentVariables("RAGTEST_");
            using var host = builder.AddRagAssistant().Build();

            Assert.Equal("llama3", host.Services.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>()?.DefaultModelId);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RAGTEST_ChatModel__Provider", null);
            Environment.SetEnvironmentVariable("RAGTEST_ChatModel__Endpoint", null);
            Environment.SetEnvironmentVariable("RAGTEST_ChatModel__ModelId", null);
        }
    }

    private static Task<AssistantRuntimeInfo> LoadModelsAsync(IHost host) =>
        host.Services.GetRequiredService<AssistantStartup>().LoadModelsAsync(TestContext.Current.CancellationToken);

    private static IHost Build(Dictionary<string, string?> settings) => CreateBuilder(settings).AddRagAssistant().Build();

    private static HostApplicationBuilder CreateBuilder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EmbeddingModel:Provider"] = "None",
            ["Corpus:Folder"] = Path.GetTempPath(),
            ["Answering:PromptsFolder"] = Path.Combine(AppContext.BaseDirectory, "prompts"),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
