using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Metrics of the answer steps that Semantic Kernel's own function metrics cannot see, on the meter
/// <see cref="MeterName"/>: how long retrieval took and the best relevance it found (per retriever that ran), the time
/// to the answer's first token and the whole stream (SK times a streaming step only to its start), and each claim
/// check's duration per verdict. The retrieval tags go on SK's span of the step too, when it is traced.
/// Registered by <see cref="Microsoft.Extensions.DependencyInjection.AnswerTelemetryServiceCollectionExtensions.AddRagAnswerTelemetry"/>;
/// without a listener on the meter, recording costs nothing.
/// </summary>
public sealed class AnswerTelemetryFilter : IFunctionInvocationFilter, IDisposable
{
    /// <summary>The meter's name, for <c>AddMeter</c> in OpenTelemetry or a <c>MetricCollector</c>.</summary>
    public const string MeterName = "RagAssistant.Answering";

    /// <summary>Seconds from the search's start to its result; tags <c>rag_assistant.retriever</c>, <c>error.type</c> on failure.</summary>
    public const string RetrievalDuration = "rag_assistant.retrieval.duration";

    /// <summary>The best hit's relevance in [0, 1] (what the relevance gate judges); tag <c>rag_assistant.retriever</c>.</summary>
    public const string RetrievalBestRelevance = "rag_assistant.retrieval.best_relevance";

    /// <summary>Seconds from the answer step's start to the first text from the model (prompt processing included).</summary>
    public const string TimeToFirstToken = "rag_assistant.generation.time_to_first_token";

    /// <summary>Seconds from the answer step's start to the stream's end; tag <c>error.type</c> when it failed or was cancelled.</summary>
    public const string GenerationDuration = "rag_assistant.generation.duration";

    /// <summary>Seconds one claim check took; tag <c>rag_assistant.claim.verdict</c>.</summary>
    public const string ClaimCheckDuration = "rag_assistant.claim_check.duration";

    private const string RetrieverTag = "rag_assistant.retriever";
    private const string VerdictTag = "rag_assistant.claim.verdict";
    private const string ErrorTag = "error.type";

    private readonly Meter? _ownedMeter;
    private readonly Histogram<double> _retrievalDuration;
    private readonly Histogram<double> _bestRelevance;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _generationDuration;
    private readonly Histogram<double> _claimCheckDuration;

    /// <summary>Creates the instruments.</summary>
    /// <param name="meterFactory">The host's meter factory (which then owns the meter); null creates a meter this filter owns.</param>
    public AnswerTelemetryFilter(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(MeterName) ?? (_ownedMeter = new Meter(MeterName));
        _retrievalDuration = meter.CreateHistogram<double>(RetrievalDuration, "s", "Duration of the answer's retrieval step.");
        _bestRelevance = meter.CreateHistogram<double>(RetrievalBestRelevance, null, "Relevance of the best retrieved passage (0 to 1).");
        _timeToFirstToken = meter.CreateHistogram<double>(TimeToFirstToken, "s", "Time from the answer step's start to the model's first text.");
        _generationDuration = meter.CreateHistogram<double>(GenerationDuration, "s", "Duration of the answer's generation stream.");
        _claimCheckDuration = meter.CreateHistogram<double>(ClaimCheckDuration, "s", "Duration of one claim check.");
    }

    /// <inheritdoc/>
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var step = context.Function.Name;
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (step is AnswerSteps.Search)
        {
            _retrievalDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>(ErrorTag, ex.GetType().FullName));
            throw;
        }

        switch (step, context.Result.GetValue<object>())
        {
            case (AnswerSteps.Search, RetrievalResult retrieval):
                var retriever = new KeyValuePair<string, object?>(RetrieverTag, retrieval.Mode.ToString());
                var best = retrieval.Hits.Count == 0 ? 0 : retrieval.Hits.Max(h => h.RelevanceScore);
                _retrievalDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, retriever);
                _bestRelevance.Record(best, retriever);
                Activity.Current?.SetTag(RetrieverTag, retriever.Value).SetTag("rag_assistant.retrieval.hits", retrieval.Hits.Count).SetTag(RetrievalBestRelevance, best);
                break;
            case (AnswerSteps.Answer, IAsyncEnumerable<ChatResponseUpdate> stream) when context.IsStreaming:
                // The step returns the stream unread: the model works while it is read, so it is timed there.
                context.Result = new FunctionResult(context.Result, MeasureAsync(stream, start));
                break;
            case (AnswerSteps.CheckClaim, AnswerClaim claim):
                _claimCheckDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>(VerdictTag, claim.Verdict.ToString()));
                break;
        }
    }

    /// <summary>Disposes the meter when this filter created it.</summary>
    public void Dispose() => _ownedMeter?.Dispose();

    private async IAsyncEnumerable<ChatResponseUpdate> MeasureAsync(IAsyncEnumerable<ChatResponseUpdate> stream, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var enumerator = stream.GetAsyncEnumerator(cancellationToken);
        var firstText = true;
        string? error = null;
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception ex)
                {
                    error = ex.GetType().FullName;
                    throw;
                }

                var update = enumerator.Current;
                if (firstText && !string.IsNullOrEmpty(update.Text))
                {
                    firstText = false;
                    _timeToFirstToken.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                yield return update;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (error is null)
            {
                _generationDuration.Record(elapsed);
            }
            else
            {
                _generationDuration.Record(elapsed, new KeyValuePair<string, object?>(ErrorTag, error));
            }
        }
    }
}
