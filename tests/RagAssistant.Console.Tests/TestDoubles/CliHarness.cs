using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Cli;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>Runs the real command line in-process over string streams, with doubles for the Core services.</summary>
internal sealed class CliHarness
{
    public FakeAnswerPipeline Pipeline { get; } = new();

    public AssistantRuntimeInfo Runtime { get; set; } = new(
        "/models/chat.gguf", "llama 292K F32", null, "cpu", 2048, 2, "/corpus", RetrievalOnly: false, []);

    /// <summary>Configuration on top of appsettings.json; the Core services are doubles, so no embedding model is loaded.</summary>
    public Dictionary<string, string?> Configuration { get; } = new() { ["EmbeddingModel:Provider"] = "None" };

    /// <summary>Set to register Core's real retrieval (e.g. <c>AddRagRetrieval</c>) for commands that measure it.</summary>
    public Action<Microsoft.Extensions.Hosting.HostApplicationBuilder>? ComposeRetrieval { get; set; }

    public string Output { get; private set; } = string.Empty;

    public string Error { get; private set; } = string.Empty;

    public async Task<int> RunAsync(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader(stdin);
        var hosts = new AssistantHostFactory(builder =>
        {
            builder.Configuration.AddInMemoryCollection(Configuration);
            builder.Services.AddSingleton<IAnswerPipeline>(Pipeline);
            builder.Services.AddAssistantService(builder.Configuration);
            builder.Services.AddSingleton(Runtime);
            ComposeRetrieval?.Invoke(builder);
        });
        var exitCode = await new CliApplication(Terminal.Plain(output, error, input), hosts).RunAsync(args, TestContext.Current.CancellationToken);
        Output = output.ToString();
        Error = error.ToString();
        return exitCode;
    }
}
