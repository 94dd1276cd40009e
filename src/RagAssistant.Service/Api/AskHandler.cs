using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Service.Answering;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Api;

/// <summary>
/// <c>POST /api/ask</c>: streams the answer as Server-Sent Events (<c>token</c>*, <c>sources</c>, <c>done</c>, or
/// <c>error</c>), or returns the whole result as JSON (the <c>ask --json</c> shape, <see cref="AnswerJson"/>) when the
/// client sends <c>Accept: application/json</c>.
/// </summary>
internal sealed partial class AskHandler(
    IAnswerPipeline pipeline,
    AnswerAdmission admission,
    JsonRequestReader reader,
    IOptions<ServiceOptions> options,
    IOptions<JsonOptions> jsonOptions,
    ILogger<AskHandler> logger)
{
    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var body = await reader.ReadAsync<AskRequest>(context.Request, AskRequest.Example);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var request = body.Value!.ToAnswerRequest(options.Value, out var error);
        if (request is null)
        {
            return ApiProblems.BadRequest(error!);
        }

        var (answer, refusal) = await admission.AdmitAsync(context);
        if (answer is null)
        {
            return refusal!;
        }

        using (answer)
        {
            return WantsJson(context.Request)
                ? await AnswerAsJsonAsync(request, answer, context)
                : await StreamAnswerAsync(request, answer, context);
        }
    }

    private static bool WantsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            && !accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<IResult> AnswerAsJsonAsync(AnswerRequest request, AdmittedAnswer answer, HttpContext context)
    {
        try
        {
            // The same JSON as `ragassistant ask --json`, so scripts can switch between the two.
            var result = await pipeline.AnswerAsync(request, answer.CancellationToken);
            return Results.Text(AnswerJson.Serialize(result), "application/json; charset=utf-8");
        }
        catch (OperationCanceledException) when (answer.CancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger, answer.CancelledByShutdown ? "shutdown" : answer.TimedOut ? "timed out" : "client disconnected");
            return answer.CancelledByShutdown ? ApiProblems.ShuttingDown()
                : answer.TimedOut ? ApiProblems.AnswerTimedOut(options.Value.AnswerTimeout)
                : Results.Empty;
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
            return ApiProblems.AnswerFailed($"The answer could not be produced: {ex.Message}");
        }
    }

    private async Task<IResult> StreamAnswerAsync(AnswerRequest request, AdmittedAnswer answer, HttpContext context)
    {
        var events = new ServerSentEventWriter(context.Response, jsonOptions.Value.SerializerOptions);
        var token = answer.CancellationToken;
        try
        {
            await events.StartAsync(token);
            await foreach (var update in pipeline.AnswerStreamingAsync(request, token).WithCancellation(token))
            {
                switch (update)
                {
                    case AnswerTextUpdate text:
                        await events.WriteEventAsync("token", new TokenEvent(text.Text), token);
                        break;
                    case AnswerCompletedUpdate { Result: var result }:
                        await events.WriteEventAsync(
                            "sources",
                            new SourcesEvent(result.SearchQuery, result.Citations, result.Sources, result.InvalidCitations, result.Refused, result.Mode),
                            token);
                        await events.WriteEventAsync("done", new DoneEvent(result.Question, result.Answer, AnswerJson.FinishReasonName(result.FinishReason), result.Usage, result.Timings), token);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            if (answer.CancelledByShutdown)
            {
                LogCancelled(logger, "shutdown");
                await TryWriteErrorAsync(events, new ErrorEvent("The service is shutting down.", "The answer was stopped because the service is shutting down; ask again once it is back.", StatusCodes.Status503ServiceUnavailable));
            }
            else if (answer.TimedOut)
            {
                LogCancelled(logger, "timed out");
                await TryWriteErrorAsync(events, new ErrorEvent("The answer took too long.", $"The answer took longer than {options.Value.AnswerTimeout} (Service:AnswerTimeout) and was stopped.", StatusCodes.Status504GatewayTimeout));
            }
            else
            {
                LogCancelled(logger, "client disconnected");
            }
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
            await TryWriteErrorAsync(events, new ErrorEvent("Answering failed.", $"The answer stopped: {ex.Message}", StatusCodes.Status500InternalServerError));
        }

        return Results.Empty;
    }

    private async Task TryWriteErrorAsync(ServerSentEventWriter events, ErrorEvent error)
    {
        try
        {
            await events.WriteEventAsync("error", error, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone: nobody is left to tell.
            LogErrorNotDelivered(logger, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not deliver the error event: {Message}")]
    private static partial void LogErrorNotDelivered(ILogger logger, string message);
}
