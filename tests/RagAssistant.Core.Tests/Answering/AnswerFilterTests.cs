using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>
/// The filters of the answer steps: the telemetry filter <c>AddRagAnswering</c> registers, and a user's own filter added
/// the way Core/Answering/README.md shows (<see cref="StepAuditFilter"/> is the README's example, word for word).
/// </summary>
public sealed class AnswerFilterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_filter_added_as_the_readme_shows_sees_the_retrieval_and_the_generation()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddFakeLogging());
        services.AddSingleton<IPaperRetriever>(new FakeRetriever(PipelineHarness.TwoPapers));
        services.AddSingleton<IChatClient>(new ScriptedChatClient(["Density doubles [1]."]));
        services.AddRagAnswering(Configuration());

        // The README's registration.
        services.AddSingleton<IFunctionInvocationFilter, StepAuditFilter>();

        using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAnswerPipeline>().AnswerAsync(new AnswerRequest("How fast does capacity density grow?"), Ct);

        var audit = provider.GetFakeLogCollector().GetSnapshot().Where(r => r.Category == typeof(StepAuditFilter).FullName).Select(r => r.Message);
        Assert.Equal(
            ["Searched 'How fast does capacity density grow?': 2 passages", "Answering from 2 messages, at most 512 tokens"],
            audit);
    }

    [Fact]
    public async Task The_registered_telemetry_filter_records_retrieval_generation_and_claim_checks()
    {
        using var meters = new TestMeterFactory();
        using var retrieval = new MetricCollector<double>(meters, AnswerTelemetryFilter.MeterName, AnswerTelemetryFilter.RetrievalDuration);
        using var relevance = new MetricCollector<double>(meters, AnswerTelemetryFilter.MeterName, AnswerTelemetryFilter.RetrievalBestRelevance);
        using var firstToken = new MetricCollector<double>(meters, AnswerTelemetryFilter.MeterName, AnswerTelemetryFilter.TimeToFirstToken);
        using var generation = new MetricCollector<double>(meters, AnswerTelemetryFilter.MeterName, AnswerTelemetryFilter.GenerationDuration);
        using var claims = new MetricCollector<double>(meters, AnswerTelemetryFilter.MeterName, AnswerTelemetryFilter.ClaimCheckDuration);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IMeterFactory>(meters);
        services.AddSingleton<IPaperRetriever>(new FakeRetriever(PipelineHarness.TwoPapers));
        services.AddSingleton<IChatClient>(new ScriptedChatClient(["Density ", "doubles [1]. ", "Routing picks experts [2]."]));
        services.AddRagAnswering(Configuration());
        services.AddRagAnswerTelemetry();
        using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAnswerPipeline>().AnswerAsync(new AnswerRequest("How fast does capacity density grow?"), Ct);

        // Once each, though registered twice.
        var search = Assert.Single(retrieval.GetMeasurementSnapshot());
        Assert.Equal(nameof(RetrieverKind.Bm25), search.Tags["rag_assistant.retriever"]);
        Assert.Equal(0.8, Assert.Single(relevance.GetMeasurementSnapshot()).Value);
        var first = Assert.Single(firstToken.GetMeasurementSnapshot()).Value;
        var whole = Assert.Single(generation.GetMeasurementSnapshot());
        Assert.False(whole.Tags.ContainsKey("error.type"));
        Assert.InRange(first, 0, whole.Value);
        Assert.Equal(2, claims.GetMeasurementSnapshot().Count);
        Assert.All(claims.GetMeasurementSnapshot(), m => Assert.True(m.Tags.ContainsKey("rag_assistant.claim.verdict")));
    }

    [Fact]
    public async Task A_cancelled_answer_is_recorded_with_its_error_type()
    {
        using var meters = new TestMeterFactory();
        using var generation = new MetricCollector<double>(meters, AnswerTelemetryFilter.MeterName, AnswerTelemetryFilter.GenerationDuration);
        var filter = new AnswerTelemetryFilter(meters);
        var pipeline = PipelineHarness.Create(new FakeRetriever(PipelineHarness.TwoPapers), new ScriptedChatClient(["Density ", "doubles ", "[1]."]), functionFilters: [filter]);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in pipeline.AnswerStreamingAsync(new AnswerRequest("How fast does capacity density grow?"), stop.Token))
            {
                if (update is AnswerTextUpdate)
                {
                    await stop.CancelAsync();
                }
            }
        });

        Assert.Equal(typeof(OperationCanceledException).FullName, Assert.Single(generation.GetMeasurementSnapshot()).Tags["error.type"]);
    }

    private static IConfiguration Configuration() =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Answering:PromptsFolder"] = PipelineHarness.Prompts }).Build();

    /// <summary>Meters scoped to one test, so a collector sees only its own pipeline.</summary>
    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            options.Scope = this;
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}

// The example of Core/Answering/README.md ("Adding a filter"), compiled and run by the test above.
/// <summary>Logs what each search looked for and found, and what the answer step sends to the model.</summary>
public sealed partial class StepAuditFilter(ILogger<StepAuditFilter> logger) : IFunctionInvocationFilter
{
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        await next(context); // the step itself, and the filters registered after this one

        switch (context.Function.Name)
        {
            case AnswerSteps.Search:
                var query = (RetrievalQuery)context.Arguments[AnswerSteps.QueryArgument]!;
                var result = context.Result.GetValue<RetrievalResult>()!;
                Searched(logger, query.Text, result.Hits.Count);
                break;
            case AnswerSteps.Answer:
                var messages = (IList<ChatMessage>)context.Arguments[AnswerSteps.MessagesArgument]!;
                var options = (ChatOptions)context.Arguments[AnswerSteps.OptionsArgument]!;
                Answering(logger, messages.Count, options.MaxOutputTokens);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Searched '{Query}': {Hits} passages")]
    private static partial void Searched(ILogger logger, string query, int hits);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answering from {Messages} messages, at most {MaxTokens} tokens")]
    private static partial void Answering(ILogger logger, int messages, int? maxTokens);
}
