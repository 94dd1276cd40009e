using Microsoft.AspNetCore.Http.HttpResults;

namespace RagAssistant.Service.Api;

/// <summary>The RFC 7807 problem details the API answers with, each with a message that says what to do.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid.");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found.");

    public static IResult QueueFull(int retryAfterSeconds) =>
        new RetryAfterResult(
            Results.Problem(
                $"All answer slots are busy and the queue is full. Retry after {retryAfterSeconds} seconds.",
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many questions at once."),
            retryAfterSeconds);

    public static IResult NotReady(string detail, int retryAfterSeconds) =>
        new RetryAfterResult(
            Results.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The assistant is not ready."),
            retryAfterSeconds);

    public static ProblemHttpResult ShuttingDown() =>
        TypedResults.Problem(
            "The service is shutting down; retry once it is back.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The service is shutting down.");

    public static ProblemHttpResult AnswerTimedOut(TimeSpan timeout) =>
        TypedResults.Problem(
            $"The answer took longer than {timeout} (Service:AnswerTimeout) and was stopped. Retry, or ask a narrower question.",
            statusCode: StatusCodes.Status504GatewayTimeout,
            title: "The answer took too long.");

    public static ProblemHttpResult AnswerFailed(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status500InternalServerError, title: "Answering failed.");

    /// <summary>Adds <c>Retry-After</c> to another result.</summary>
    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
