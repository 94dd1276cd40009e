using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// The real service pipeline (options, queue, middleware, endpoints, indexing worker) with the assistant replaced by
/// test doubles, so each endpoint's behaviour can be checked without a model.
/// </summary>
internal sealed class ServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Service:WatchCorpus"] = "false",
        ["Logging:LogLevel:Default"] = "Warning",

        // The assistant is replaced by test doubles: loading the bundled embedding model would only cost time.
        ["EmbeddingModel:Provider"] = "None",

        // Not-ready probes are expected in these tests; their error log is noise here.
        ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "None",
    };

    // Each factory keeps its conversations in its own SQLite file, removed with it.
    private readonly TempFolder _data = new();

    public ServiceFactory(IReadOnlyDictionary<string, string?>? settings = null, bool indexReady = true)
    {
        _settings["ConnectionStrings:Conversations"] = $"Data Source={_data.File("conversations.db")}";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        // Answers echo the question word by word and cite the first paper of the catalog.
        var paper = Catalog.Papers[0];
        Pipeline = new FakeAnswerPipeline([new AnswerSource(1, paper.Id, paper.Title, paper.Date, paper.SourceFile, 0.9, paper.Abstract)]) { EchoQuestion = true };
        if (indexReady)
        {
            Index.BuildGate.SetResult();
        }
    }

    public FakeCatalog Catalog { get; } = new();

    public FakeCorpusIndex Index { get; } = new();

    /// <summary>The answer pipeline the service runs; set it in an object initializer to offer other sources.</summary>
    public FakeAnswerPipeline Pipeline { get; init; }

    /// <summary>A client whose requests may stream for a while; the default 100 s timeout would hide hangs less well.</summary>
    public HttpClient CreateStreamingClient()
    {
        var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _data.Dispose();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddTransient<IStartupFilter, KestrelBodyLimit>();
            services.RemoveAll<IAnswerPipeline>();
            services.RemoveAll<IPaperRetriever>();
            services.RemoveAll<IPaperCatalog>();
            services.RemoveAll<ICorpusIndex>();
            services.AddSingleton<IAnswerPipeline>(Pipeline);
            services.AddSingleton<IPaperCatalog>(Catalog);
            services.AddSingleton<IPaperRetriever>(FakeRetriever.RankingByWords(Catalog.Papers));
            services.AddSingleton<ICorpusIndex>(Index);
        });
    }
}
