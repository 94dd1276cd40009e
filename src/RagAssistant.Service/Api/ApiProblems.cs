using RagAssistant.Core.Answering;
using Microsoft.AspNetCore.Http.HttpResults;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Hosting.Startup;

namespace RagAssistant.Service.Api;

/// <summary>The RFC 7807 problem details the API answers with, each with a message that says what to do.</summary>
internal static class ApiProblems
{
    /// <summary>
    /// 400 for a request that is not valid: <paramref name="detail"/> says what to do, and <c>errors</c> repeats it
    /// under the field at fault as the client wrote it (the JSON path: <c>question</c>, <c>history[0].role</c>; <c>$</c>
    /// for the body as a whole), as a validation problem does.
    /// </summary>
    /// <param name="detail">What is wrong and what to do.</param>
    /// <param name="field">The JSON path of the field at fault; null for the body as a whole.</param>
    public static ProblemHttpResult BadRequest(string detail, string? field) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field ?? BodyField] = [detail] })
        {
            Detail = detail,
            Status = StatusCodes.Status400BadRequest,
            Title = InvalidTitle,
        });

    /// <summary>The title of every 400.</summary>
    public const string InvalidTitle = "The request is not valid.";

    /// <summary>The <c>errors</c> key of a fault of the body as a whole (not JSON, empty, null): the JSON path of the root.</summary>
    public const string BodyField = "$";

    /// <summary>415 for a POST that must carry a JSON body (<c>{}</c> will do), so a plain HTML form cannot send it.</summary>
    public static ProblemHttpResult JsonBodyRequired(HttpRequest request, string path) =>
        TypedResults.Problem(
            $"Send this request with a JSON body (Content-Type: application/json), e.g. curl --json '{{}}' http://HOST:PORT{path}; got '{request.ContentType ?? "no content type"}'.",
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "A JSON body is required.");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found.");

    /// <summary>429 with <c>Retry-After</c>: every answer slot is busy and the queue is full.</summary>
    /// <param name="context">The request; its response gets the <c>Retry-After</c> header, which stays when the problem is written.</param>
    /// <param name="retryAfterSeconds">Seconds the client should wait before retrying.</param>
    public static ProblemHttpResult QueueFull(HttpContext context, int retryAfterSeconds)
    {
        SetRetryAfter(context, retryAfterSeconds);
        return TypedResults.Problem(
            $"All answer slots are busy and the queue is full. Retry after {retryAfterSeconds} seconds.",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many questions at once.");
    }

    /// <summary>
    /// 503 in the service's words (<see cref="NotReadyWording"/>), with <c>Retry-After</c> unless the models failed to
    /// load (only a fixed file and a restart help then).
    /// </summary>
    /// <param name="context">The request; its response gets the <c>Retry-After</c> header, which stays when the problem is written.</param>
    /// <param name="reason">Why the assistant cannot answer now.</param>
    /// <param name="retryAfterSeconds">Seconds the client should wait before retrying.</param>
    public static ProblemHttpResult NotReady(HttpContext context, NotReadyReason reason, int retryAfterSeconds)
    {
        if (reason.Cause != NotReadyCause.ModelsFailed)
        {
            SetRetryAfter(context, retryAfterSeconds);
        }

        return TypedResults.Problem(NotReadyWording.Describe(reason), statusCode: StatusCodes.Status503ServiceUnavailable, title: "The assistant is not ready.");
    }

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

    /// <summary>
    /// A model's server failed: 502, its one line (which server, what to fix) as the detail; the text it sent before
    /// it failed, if any, as <c>partial_answer</c> (incomplete, as the detail says), as a stream keeps it on screen.
    /// </summary>
    public static ProblemHttpResult ModelServerFailed(ModelServerException exception) =>
        TypedResults.Problem(
            exception.Message,
            statusCode: StatusCodes.Status502BadGateway,
            title: ModelServerFailedTitle,
            extensions: exception.PartialAnswer is { } partial ? new Dictionary<string, object?> { [PartialAnswerField] = partial } : null);

    /// <summary>The field of <see cref="ModelServerFailed"/> (and of /v1's error) with the text the server sent before it failed.</summary>
    public const string PartialAnswerField = "partial_answer";

    /// <summary>The title of <see cref="ModelServerFailed"/>, and of a stream's error event for the same failure.</summary>
    public const string ModelServerFailedTitle = "The model server failed.";

    public static ProblemHttpResult AnswerFailed(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status500InternalServerError, title: "Answering failed.");

    /// <summary>How a client of the API lists the conversations: said with a 404 for an unknown id.</summary>
    public const string ListConversations = "GET /api/conversations lists them.";

    /// <summary>A conversation store failure: 404 (no such conversation, with how to list them), 409 (a limit), 507 (disk full), 503 (unreachable), 500 (newer schema).</summary>
    public static ProblemHttpResult Conversation(ConversationStoreException exception) =>
        TypedResults.Problem(exception.Error == ConversationStoreError.NotFound ? $"{exception.Message} {ListConversations}" : exception.Message, statusCode: StatusOf(exception), title: exception.Error switch
        {
            ConversationStoreError.NotFound => "Not found.",
            ConversationStoreError.LimitReached => "Conversation limit reached.",
            ConversationStoreError.Full => "The conversation store is full.",
            _ => "The conversation store cannot be used.",
        });

    /// <summary>The HTTP status of a conversation store failure.</summary>
    public static int StatusOf(ConversationStoreException exception) => exception.Error switch
    {
        ConversationStoreError.NotFound => StatusCodes.Status404NotFound,
        ConversationStoreError.LimitReached => StatusCodes.Status409Conflict,
        ConversationStoreError.Full => StatusCodes.Status507InsufficientStorage,
        ConversationStoreError.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    // The header is set before the result runs: ProblemHttpResult writes the body and keeps the headers already there.
    private static void SetRetryAfter(HttpContext context, int seconds) =>
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
