using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Startup;
using RagAssistant.Testing.Chat;
using RagAssistant.Testing.Files;

namespace RagAssistant.Console.Tests.Hosting;

/// <summary>The one start-up both front ends share: what it publishes for a missing model, a loaded one, and the index.</summary>
public sealed class AssistantStartupTests : IDisposable
{
    private readonly TempFolder folder = new();

    public AssistantStartupTests()
    {
        Directory.CreateDirectory(Path.Combine(folder.Path, "papers"));
        File.WriteAllText(Path.Combine(folder.Path, "papers", "draft-models.md"), "# Draft models\n\nDraft models speed up decoding by proposing tokens that the large model verifies in one pass.\n");
        File.WriteAllText(Path.Combine(folder.Path, "models.json"), """
            {
              "models": [
                { "name": "tiny-chat", "role": "chat", "file": "tiny-chat.gguf", "url": "https://example.org/tiny-chat.gguf",
                  "size_bytes": 1234, "sha256": null, "license": "MIT" }
              ]
            }
            """);
    }

    public void Dispose() => folder.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_missing_default_chat_model_publishes_retrieval_only_readiness_a_notice_and_the_download_offer()
    {
        var configured = Path.Combine(folder.Path, "models", "tiny-chat.gguf");
        using var host = Build(new() { ["ChatModel:ModelPath"] = configured });
        var startup = host.Services.GetRequiredService<AssistantStartup>();
        var stages = new List<string>();

        await startup.RunAsync(new InlineProgress(p => stages.Add(p.Stage)), Ct);

        var readiness = startup.Readiness;
        Assert.True(readiness.IsReady);
        Assert.Equal(ModelState.Loaded, readiness.ModelState);
        Assert.Equal(ChatModelState.Missing, readiness.ChatModel);
        Assert.True(readiness.Runtime!.RetrievalOnly);
        Assert.Contains(readiness.Runtime.Notices, n => n.StartsWith($"The chat model {configured} is not downloaded yet", StringComparison.Ordinal)
            && n.Contains($"curl -L --create-dirs -o {configured} https://example.org/tiny-chat.gguf", StringComparison.Ordinal));

        var offer = Assert.IsType<ModelDownloadOffer>(readiness.ChatModelOffer);
        Assert.Equal("chat", offer.Role);
        Assert.Equal("tiny-chat", offer.Model.Name);
        Assert.Equal(new Uri("https://example.org/tiny-chat.gguf"), offer.Url);
        Assert.Equal(1234, offer.SizeBytes);
        Assert.Equal(configured, offer.TargetPath);
        Assert.Equal(configured, offer.Download.Path);
        Assert.False(offer.Download.IsPresent);

        Assert.Equal(IndexState.Ready, readiness.IndexState);
        Assert.Equal(1, readiness.LastReport!.Papers);
        Assert.Contains("parsing", stages);
        Assert.Null(readiness.NotReady());
        Assert.Same(readiness, host.Services.GetRequiredService<AssistantService>().Readiness);
    }

    [Fact]
    public async Task A_loaded_chat_model_gets_no_offer_and_no_chat_notice()
    {
        using var host = Build(new() { ["ChatModel:ModelPath"] = Path.Combine(folder.Path, "models", "tiny-chat.gguf") }, services => services.AddSingleton<IChatClient>(new ScriptedChatClient()));
        var startup = host.Services.GetRequiredService<AssistantStartup>();

        var runtime = await startup.LoadModelsAsync(Ct);

        Assert.Equal(ChatModelState.Loaded, startup.Readiness.ChatModel);
        Assert.False(runtime.RetrievalOnly);
        Assert.Null(startup.Readiness.ChatModelOffer);
        Assert.DoesNotContain(runtime.Notices, n => n.Contains("chat model", StringComparison.OrdinalIgnoreCase));

        // Models loaded, index not built yet: not ready, and the reason says so.
        Assert.False(startup.Readiness.IsReady);
        Assert.Equal(new NotReadyReason(NotReadyCause.IndexBuilding), startup.Readiness.NotReady());
        Assert.Equal(new NotReadyReason(NotReadyCause.IndexBuilding), startup.Readiness.NotSearchable());
        Assert.Equal(new NotReadyReason(NotReadyCause.IndexBuilding), host.Services.GetRequiredService<AssistantService>().NotReady());
    }

    [Fact]
    public async Task Creating_the_start_up_and_the_answer_pipeline_loads_no_model_until_the_start_up_runs()
    {
        var created = 0;
        using var host = Build(new() { ["ChatModel:ModelPath"] = Path.Combine(folder.Path, "models", "tiny-chat.gguf") }, services => services.AddSingleton<IChatClient>(_ =>
        {
            created++;
            return new ScriptedChatClient();
        }));

        var startup = host.Services.GetRequiredService<AssistantStartup>();
        _ = host.Services.GetRequiredService<RagAssistant.Core.Answering.IAnswerPipeline>();
        Assert.Equal(0, created);

        await startup.LoadModelsAsync(Ct);
        Assert.Equal(1, created);
        Assert.Equal(ChatModelState.Loaded, startup.Readiness.ChatModel);
    }

    [Fact]
    public async Task A_switch_to_a_downloaded_chat_model_is_refused_while_its_file_is_missing_and_changes_nothing()
    {
        var configured = Path.Combine(folder.Path, "models", "tiny-chat.gguf");
        using var host = Build(new() { ["ChatModel:ModelPath"] = configured });
        var startup = host.Services.GetRequiredService<AssistantStartup>();
        var runtime = host.Services.GetRequiredService<ChatModelRuntime>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Services.GetRequiredService<DownloadedChatModelSwitch>().SwitchAsync(Ct));

        Assert.Contains($"The chat model file {configured} is not there yet", error.Message, StringComparison.Ordinal);
        Assert.Equal(ChatModelState.Missing, startup.Readiness.ChatModel);
        Assert.NotNull(startup.Readiness.ChatModelOffer);
        Assert.Null(runtime.ChatClient);
    }

    [Fact]
    public async Task The_hosted_service_runs_the_start_up_in_the_background_once()
    {
        using var host = Build(new() { [CommandLineOverrides.RetrievalOnlyKey] = "true" }, services => services.AddAssistantStartupService());
        var readiness = host.Services.GetRequiredService<AssistantReadiness>();

        await host.StartAsync(Ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!readiness.IsReady && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        Assert.True(readiness.IsReady);
        Assert.Equal(ChatModelState.Off, readiness.ChatModel);
        Assert.Null(readiness.ChatModelOffer);
        Assert.Contains(readiness.Runtime!.Notices, n => n.StartsWith("Retrieval-only mode", StringComparison.Ordinal));

        // A front end awaiting the start-up gets the same run, not a second one.
        var builtAt = readiness.LastBuiltAt;
        await host.Services.GetRequiredService<AssistantStartup>().RunAsync(cancellationToken: Ct);
        Assert.Equal(builtAt, readiness.LastBuiltAt);
        await host.StopAsync(Ct);
    }

    private IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EmbeddingModel:Provider"] = "None",
            ["Corpus:Folder"] = Path.Combine(folder.Path, "papers"),
            ["Corpus:CacheFolder"] = Path.Combine(folder.Path, ".cache"),
            ["Models:Folder"] = Path.Combine(folder.Path, "models"),
            ["Models:ManifestPath"] = Path.Combine(folder.Path, "models.json"),
            ["Answering:PromptsFolder"] = Path.Combine(AppContext.BaseDirectory, "prompts"),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        configure?.Invoke(builder.Services);
        builder.AddRagAssistant();
        var host = builder.Build();
        host.Services.ValidateStartupOptions();
        return host;
    }

    private sealed class InlineProgress(Action<IndexProgress> report) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value) => report(value);
    }
}
