using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Api;

/// <summary>An example of the JSON body an endpoint accepts, named in the problem that answers a bad body.</summary>
/// <param name="Json">A complete, valid body.</param>
internal sealed record RequestBodyExample(string Json);

/// <summary>
/// Turns every way a JSON request body can be wrong into a problem that says what was wrong and shows an example.
/// Minimal-API binding throws <see cref="BadHttpRequestException"/> for a body that is missing, null or not JSON (400,
/// see <see cref="TryHandleAsync"/>), and answers a bare 415 for another content type and 413 for a body over
/// <see cref="ServiceOptions.MaxRequestBodyBytes"/> (Kestrel's limit), which <see cref="Describe"/> explains.
/// </summary>
internal sealed class RequestBodyProblems : IExceptionHandler
{
    /// <summary>
    /// Answers a binding failure of a request body (of an endpoint with a <see cref="RequestBodyExample"/>, or any
    /// other bad request with its own message); other exceptions are left to the default handler.
    /// </summary>
    /// <param name="httpContext">The failed request.</param>
    /// <param name="exception">What went wrong.</param>
    /// <param name="cancellationToken">Cancels writing the problem.</param>
    /// <returns>True when <paramref name="exception"/> was a bad request body and the problem has been written.</returns>
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var request = httpContext.Request;
        var example = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<RequestBodyExample>()?.Json;
        var problem = badRequest.StatusCode switch
        {
            // 413 and 415 (when binding throws them) get their detail from Describe, as when it only sets the status.
            not StatusCodes.Status400BadRequest => Results.Problem(statusCode: badRequest.StatusCode),
            _ when example is null => ApiProblems.BadRequest(badRequest.Message),
            _ when badRequest.InnerException is JsonException json =>
                ApiProblems.BadRequest($"The request body is not valid JSON: {json.Message} Expected an object such as {example}."),

            // Binding reports a missing body and the JSON literal null alike: whether there was a body tells them apart.
            _ when request.ContentLength is 0 || httpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false =>
                ApiProblems.BadRequest($"The request body is empty. Send a JSON object such as {example}."),
            _ => ApiProblems.BadRequest($"The request body must be a JSON object such as {example}, not null."),
        };
        await problem.ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>
    /// Says what to do about a body binding refused with a bare status, which the status-code pages turn into a
    /// problem without a detail: 413 (Kestrel's size limit) names the limit, 415 the content type to send.
    /// </summary>
    /// <param name="context">The problem about to be written.</param>
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Detail is not null)
        {
            return;
        }

        if (problem.Status == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = context.HttpContext.RequestServices.GetRequiredService<IOptions<ServiceOptions>>().Value.MaxRequestBodyBytes;
            problem.Title = "The request body is too large.";
            problem.Detail = $"The request body is larger than {limit} bytes (Service:MaxRequestBodyBytes). Send a shorter question or history.";
        }
        else if (problem.Status == StatusCodes.Status415UnsupportedMediaType)
        {
            problem.Title = "Unsupported media type.";
            problem.Detail = $"The request body must be JSON (Content-Type: application/json), not '{context.HttpContext.Request.ContentType ?? "(none)"}'.";
        }
    }
}
