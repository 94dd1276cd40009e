using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Service.Api;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Answering;

/// <summary>Why an answer stopped before it was complete, as the error event or problem of an endpoint reports it.</summary>
/// <param name="Title">One line that says what happened.</param>
/// <param name="Detail">What happened and what to do.</param>
/// <param name="Status">The HTTP status it has before the response started: 500, 503 (shutdown) or 504 (timeout).</param>
internal sealed record AnswerFailure(string Title, string Detail, int Status);

/// <summary>
/// How one answer endpoint speaks: its Server-Sent Events (the <see cref="AnswerStreamProjection{T}"/> of the answer
/// stream), its whole answer, and the last event of a stream that failed.
/// </summary>
/// <typeparam name="TComplete">The result type of the whole answer, so the endpoint's signature (and its OpenAPI metadata) names it.</typeparam>
internal abstract class AnswerWireFormat<TComplete> : AnswerStreamProjection<SseItem<string>>
    where TComplete : IResult
{
    /// <summary>The response with the whole answer, for clients that do not stream.</summary>
    public abstract TComplete Complete(AnswerResult result);

    /// <summary>The last event of a stream that failed or timed out after the response started.</summary>
    public abstract SseItem<string> Failed(AnswerFailure failure);
}

/// <summary>
/// The skeleton both answer endpoints (<c>/api/ask</c>, <c>/v1/chat/completions</c>) share: the checked question
/// (400 with what is wrong), admission to the answer queue (429 when full, 503 before the index is ready or while
/// shutting down), the answer timeout, cancellation when the client leaves, and failures as problem details (whole
/// answers) or as a last error event (streams, through
/// <see cref="TypedResults.ServerSentEvents{T}(IAsyncEnumerable{SseItem{T}})"/>). The endpoints only parse their input
/// and name their <see cref="AnswerWireFormat{TComplete}"/>. Every outcome is in the signature: the stream, the
/// format's whole answer, a problem, or nothing when the client left.
/// </summary>
internal sealed partial class AnswerEndpoint(AssistantService assistant, AnswerAdmission admission, IOptions<ServiceOptions> options, ILogger<AnswerEndpoint> logger)
{
    /// <summary>Answers a checked question in <paramref name="format"/>, streamed or whole.</summary>
    /// <param name="context">The request; its abort cancels the answer.</param>
    /// <param name="validation">The question as <see cref="AssistantService.Validate"/> checked it; invalid is a 400 problem.</param>
    /// <param name="stream">True for Server-Sent Events, false for the whole answer in one response.</param>
    /// <param name="format">How the endpoint writes the answer.</param>
    /// <param name="answer">Produces the answer stream once admitted; null answers the request with <see cref="AssistantService.AskStreamingAsync"/> (a stored conversation's turn passes its own).</param>
    /// <typeparam name="TComplete">The result type of the format's whole answer.</typeparam>
    public async Task<Results<ServerSentEventsResult<string>, TComplete, ProblemHttpResult, EmptyHttpResult>> AnswerAsync<TComplete>(
        HttpContext context, AskValidation validation, bool stream, AnswerWireFormat<TComplete> format, Func<CancellationToken, IAsyncEnumerable<AnswerUpdate>>? answer = null)
        where TComplete : IResult
    {
        if (validation.Request is not { } request)
        {
            return ApiProblems.BadRequest(validation.Error!, validation.Field);
        }

        var (admitted, refusal) = await admission.AdmitAsync(context);
        if (admitted is null)
        {
            return refusal!.Result is ProblemHttpResult problem ? problem : TypedResults.Empty;
        }

        answer ??= ct => assistant.AskStreamingAsync(request, ct);
        return stream ? Stream(context, answer, admitted, format) : await CompleteAsync(answer, admitted, format);
    }

    private async Task<Results<ServerSentEventsResult<string>, TComplete, ProblemHttpResult, EmptyHttpResult>> CompleteAsync<TComplete>(
        Func<CancellationToken, IAsyncEnumerable<AnswerUpdate>> answer, AdmittedAnswer admitted, AnswerWireFormat<TComplete> format)
        where TComplete : IResult
    {
        using (admitted)
        {
            try
            {
                return format.Complete(await AnswerCompletedUpdate.ResultOfAsync(answer(admitted.CancellationToken), admitted.CancellationToken));
            }
            catch (OperationCanceledException) when (admitted.CancellationToken.IsCancellationRequested)
            {
                LogCancelled(logger, Reason(admitted));
                return admitted.CancelledByShutdown ? ApiProblems.ShuttingDown()
                    : admitted.TimedOut ? ApiProblems.AnswerTimedOut(options.Value.AnswerTimeout)
                    : TypedResults.Empty;
            }
            catch (ConversationStoreException ex)
            {
                LogFailed(logger, ex);
                return ApiProblems.Conversation(ex);
            }
            catch (ModelServerException ex)
            {
                LogModelServerFailed(logger, ex.Message, ex);
                return ApiProblems.ModelServerFailed(ex);
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                return ApiProblems.AnswerFailed($"The answer could not be produced: {ex.Message}");
            }
        }
    }

    // A failure or a timeout mid-stream ends the stream with the format's error event; a client that left ends it quietly.
    private ServerSentEventsResult<string> Stream<TComplete>(HttpContext context, Func<CancellationToken, IAsyncEnumerable<AnswerUpdate>> answer, AdmittedAnswer admitted, AnswerWireFormat<TComplete> format)
        where TComplete : IResult
    {
        // The slot is held until the response has been written, after this method returns.
        context.Response.RegisterForDispose(admitted);

        // Reverse proxies (nginx) would otherwise buffer the stream.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var token = admitted.CancellationToken;
        return TypedResults.ServerSentEvents(GuardAsync(context.Response, format.ProjectAsync(answer(token), token), admitted, format.Failed));
    }

    private async IAsyncEnumerable<SseItem<string>> GuardAsync(
        HttpResponse response, IAsyncEnumerable<SseItem<string>> events, AdmittedAnswer admitted, Func<AnswerFailure, SseItem<string>> error, [EnumeratorCancellation] CancellationToken writerCancellation = default)
    {
        // The result has set the event-stream headers by the time it first asks for an event: send them now (a flush;
        // starting the response alone leaves them in Kestrel's buffer), so the client knows at once that its answer was
        // admitted, not only with the first token seconds later.
        try
        {
            await response.Body.FlushAsync(writerCancellation);
        }
        catch (OperationCanceledException) when (writerCancellation.IsCancellationRequested)
        {
            // The client left before the headers went out: nobody to answer; the slot is freed when the response ends.
            yield break;
        }

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
            catch (ConversationStoreException ex)
            {
                LogFailed(logger, ex);
                failure = new AnswerFailure("The conversation could not be stored.", ex.Message, ApiProblems.StatusOf(ex));
            }
            catch (ModelServerException ex)
            {
                LogModelServerFailed(logger, ex.Message, ex);
                failure = new AnswerFailure(ApiProblems.ModelServerFailedTitle, ex.Message, StatusCodes.Status502BadGateway);
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

    // The server's fault, said in one line; its trace goes to Debug.
    private static void LogModelServerFailed(ILogger logger, string reason, ModelServerException exception)
    {
        LogModelServerFailed(logger, reason);
        LogModelServerFailure(logger, exception);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answering failed: {Reason}")]
    private static partial void LogModelServerFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The model server's failure")]
    private static partial void LogModelServerFailure(ILogger logger, Exception exception);
}
