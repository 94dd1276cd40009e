using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Api;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Answering;

/// <summary>Why an answer stopped before it was complete, as the error event or problem of an endpoint reports it.</summary>
/// <param name="Title">One line that says what happened.</param>
/// <param name="Detail">What happened and what to do.</param>
/// <param name="Status">The HTTP status it has before the response started: 500, 503 (shutdown) or 504 (timeout).</param>
internal sealed record AnswerFailure(string Title, string Detail, int Status);

/// <summary>
/// The skeleton both answer endpoints (<c>/api/ask</c>, <c>/v1/chat/completions</c>) share: admission to the answer
/// queue (429 when full, 503 before the index is ready or while shutting down), the answer timeout, cancellation when
/// the client leaves, and failures as problem details (whole answers) or as a last error event (streams, through
/// <see cref="TypedResults.ServerSentEvents{T}(IAsyncEnumerable{SseItem{T}})"/>). The endpoints only map their input
/// and their output.
/// </summary>
internal sealed partial class AnswerEndpoint(AnswerAdmission admission, IOptions<ServiceOptions> options, ILogger<AnswerEndpoint> logger)
{
    /// <summary>Admits the question and returns the whole answer that <paramref name="answer"/> produces.</summary>
    /// <param name="context">The request; its abort cancels the answer.</param>
    /// <param name="answer">Produces the answer's result under the token it is given (cancelled on timeout, shutdown or disconnect).</param>
    public async Task<IResult> CompleteAsync(HttpContext context, Func<CancellationToken, Task<IResult>> answer)
    {
        var (admitted, refusal) = await admission.AdmitAsync(context);
        if (admitted is null)
        {
            return refusal!;
        }

        using (admitted)
        {
            try
            {
                return await answer(admitted.CancellationToken);
            }
            catch (OperationCanceledException) when (admitted.CancellationToken.IsCancellationRequested)
            {
                LogCancelled(logger, Reason(admitted));
                return admitted.CancelledByShutdown ? ApiProblems.ShuttingDown()
                    : admitted.TimedOut ? ApiProblems.AnswerTimedOut(options.Value.AnswerTimeout)
                    : Results.Empty;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                return ApiProblems.AnswerFailed($"The answer could not be produced: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// Admits the question and streams the events <paramref name="events"/> produces as Server-Sent Events; a failure
    /// or a timeout mid-stream ends it with the event <paramref name="error"/> makes, a client that left ends it quietly.
    /// </summary>
    /// <param name="context">The request; its abort cancels the answer.</param>
    /// <param name="events">The events of the answer, produced under the token it is given.</param>
    /// <param name="error">The last event of a stream that failed.</param>
    public async Task<IResult> StreamAsync(HttpContext context, Func<CancellationToken, IAsyncEnumerable<SseItem<string>>> events, Func<AnswerFailure, SseItem<string>> error)
    {
        var (admitted, refusal) = await admission.AdmitAsync(context);
        if (admitted is null)
        {
            return refusal!;
        }

        // The slot is held until the response has been written, after this method returns.
        context.Response.RegisterForDispose(admitted);

        // Reverse proxies (nginx) would otherwise buffer the stream.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(GuardAsync(events(admitted.CancellationToken), admitted, error));
    }

    private async IAsyncEnumerable<SseItem<string>> GuardAsync(
        IAsyncEnumerable<SseItem<string>> events, AdmittedAnswer admitted, Func<AnswerFailure, SseItem<string>> error, [EnumeratorCancellation] CancellationToken writerCancellation = default)
    {
        var token = admitted.CancellationToken;
        await using var enumerator = events.GetAsyncEnumerator(token);
        while (true)
        {
            AnswerFailure? failure = null;
            var more = false;
            try
            {
                more = await enumerator.MoveNextAsync();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                LogCancelled(logger, Reason(admitted));
                failure = admitted.CancelledByShutdown
                    ? new AnswerFailure("The service is shutting down.", "The answer was stopped because the service is shutting down; ask again once it is back.", StatusCodes.Status503ServiceUnavailable)
                    : admitted.TimedOut
                        ? new AnswerFailure("The answer took too long.", $"The answer took longer than {options.Value.AnswerTimeout} (Service:AnswerTimeout) and was stopped.", StatusCodes.Status504GatewayTimeout)
                        : null;
                if (failure is null)
                {
                    // The client left: nobody is listening.
                    yield break;
                }
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                failure = new AnswerFailure("Answering failed.", $"The answer stopped: {ex.Message}", StatusCodes.Status500InternalServerError);
            }

            if (failure is not null)
            {
                yield return error(failure);
                yield break;
            }

            if (!more || writerCancellation.IsCancellationRequested)
            {
                yield break;
            }

            yield return enumerator.Current;
        }
    }

    private static string Reason(AdmittedAnswer admitted) =>
        admitted.CancelledByShutdown ? "shutdown" : admitted.TimedOut ? "timed out" : "client disconnected";

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
