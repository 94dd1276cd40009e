using Microsoft.Extensions.Options;

namespace RagAssistant.Service.OpenAi;

/// <summary>
/// Writes every problem of a <c>/v1</c> request (a bad body, 401, 404, 429, 503...) in OpenAI's error shape,
/// <c>{"error": {"message", "type", "param", "code"}}</c>, so OpenAI clients find <c>error.message</c>; the rest of
/// the API keeps RFC 7807 problem details. The message is the problem's detail (or its title), after the same
/// <see cref="ProblemDetailsOptions.CustomizeProblemDetails"/> the problem details writer applies.
/// </summary>
/// <param name="options">The problem details options (their customisation words 413 and 415).</param>
internal sealed class OpenAiErrorWriter(IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    /// <summary>The path prefix of the OpenAI-compatible endpoints.</summary>
    public const string PathPrefix = "/v1";

    /// <inheritdoc/>
    public bool CanWrite(ProblemDetailsContext context) =>
        context.HttpContext.Request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var message = problem.Detail ?? problem.Title ?? $"The request failed with status {problem.Status}.";
        var error = new OpenAiError(new OpenAiErrorBody(message, TypeOf(problem.Status ?? http.Response.StatusCode), ParamOf(problem), CodeOf(problem.Status ?? http.Response.StatusCode))
        {
            PartialAnswer = problem.Extensions.TryGetValue(Api.ApiProblems.PartialAnswerField, out var partial) ? partial as string : null,
        });
        return new ValueTask(http.Response.WriteAsJsonAsync(error, ServiceJsonContext.Default.OpenAiError, contentType: "application/json; charset=utf-8", http.RequestAborted));
    }

    /// <summary>
    /// The request field at fault: the first <c>errors</c> key of a validation problem, the JSON path as the client
    /// wrote it (<c>messages</c>, <c>messages[0].role</c>, <c>max_tokens</c>); null for the body as a whole or another problem.
    /// </summary>
    /// <param name="problem">The problem, after its customisation (which writes the keys as JSON paths).</param>
    internal static string? ParamOf(Microsoft.AspNetCore.Mvc.ProblemDetails problem) =>
        problem is HttpValidationProblemDetails validation && validation.Errors.Keys.FirstOrDefault() is { } field && field != Api.ApiProblems.BodyField ? field : null;

    /// <summary>OpenAI's error type for an HTTP status: what kind of failure a client should handle.</summary>
    /// <param name="status">The HTTP status code.</param>
    /// <returns><c>invalid_request_error</c>, <c>authentication_error</c>, <c>permission_error</c>, <c>rate_limit_error</c> or <c>server_error</c>.</returns>
    internal static string TypeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>A short machine-readable code for the statuses a client retries or fixes differently; null otherwise (as OpenAI sends).</summary>
    /// <param name="status">The HTTP status code.</param>
    internal static string? CodeOf(int status) => status switch
    {
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status413PayloadTooLarge => "request_too_large",
        StatusCodes.Status429TooManyRequests => "rate_limit_exceeded",
        StatusCodes.Status503ServiceUnavailable => "service_unavailable",
        StatusCodes.Status504GatewayTimeout => "timeout",
        _ => null,
    };
}
