using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Cli;
using RagAssistant.Core.Answering;
using RagAssistant.Core;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Testing.Chat;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>Runs the real command line in-process over string streams, with doubles for the Core services.</summary>
internal sealed class CliHarness
{
    public FakeAnswerPipeline Pipeline { get; } = new();

    /// <summary>True to run with a chat model (a scripted client; the pipeline is the double anyway), false for retrieval-only.</summary>
    public bool HasChatModel { get; set; } = true;

    /// <summary>
    /// Configuration on top of appsettings.json; the Core services are doubles, so no embedding model is loaded, and
    /// no chat model file is configured (the start-up would offer the default one, found or not on this machine).
    /// </summary>
    public Dictionary<string, string?> Configuration { get; } = new()
    {
        ["EmbeddingModel:Provider"] = "None",
        ["ChatModel:ModelPath"] = string.Empty,

        // Each harness keeps its conversations in a file of its own (created only when a command stores one).
        ["ConnectionStrings:Conversations"] = $"Data Source={Path.Combine(Path.GetTempPath(), "ragassistant-cli-tests", Guid.NewGuid().ToString("N") + ".db")}",
    };

    /// <summary>Set to register Core's real retrieval (e.g. <c>AddRagRetrieval</c>) for commands that measure it.</summary>
    public Action<Microsoft.Extensions.Hosting.HostApplicationBuilder>? ComposeRetrieval { get; set; }

    /// <summary>The terminal's width in columns, as Spectre lays out tables and wraps lines (Terminal.Plain's 200 by default).</summary>
    public int Width { get; set; } = 200;

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
            builder.Services.AddAssistantStartup(builder.Configuration);
            builder.Services.AddConversations(builder.Configuration);
            if (HasChatModel)
            {
                builder.Services.AddSingleton<IChatClient>(new DescribedChatClient());
                builder.Services.AddKeyedSingleton<ITokenizer>(ITokenizer.ChatKey, new ApproximateTokenizer(2048));
            }

            ComposeRetrieval?.Invoke(builder);
        });
        var terminal = Terminal.Plain(output, error, input);
        terminal.Ui.Profile.Width = Width;
        var exitCode = await new CliApplication(terminal, hosts).RunAsync(args, TestContext.Current.CancellationToken);
        Output = output.ToString();
        Error = error.ToString();
        return exitCode;
    }

    /// <summary>The first page (10) of the conversations this harness's runs stored, read from its SQLite file.</summary>
    public async Task<ConversationPage> ConversationsAsync(CancellationToken cancellationToken)
    {
        var path = new SqliteConnectionStringBuilder(Configuration["ConnectionStrings:Conversations"]).DataSource;
        await using var store = new SqliteConversationStore(path, new ConversationOptions());
        return await store.ListAsync(null, 10, null, cancellationToken);
    }

    /// <summary>A scripted client that names itself, as the banner and /model show a chat model.</summary>
    private sealed class DescribedChatClient() : DelegatingChatClient(new ScriptedChatClient())
    {
        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", defaultModelId: "llama 292K F32") : base.GetService(serviceType, serviceKey);
    }
}
