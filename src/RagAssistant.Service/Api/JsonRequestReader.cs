using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Api;

/// <summary>A request body read as <typeparamref name="T"/>, or the problem to answer with instead.</summary>
internal readonly record struct RequestBody<T>(T? Value, IResult? Problem)
    where T : class;

/// <summary>
/// Reads JSON request bodies within <see cref="ServiceOptions.MaxRequestBodyBytes"/> (whatever the server enforces)
/// and turns every way a body can be wrong into a problem that says what was wrong.
/// </summary>
internal sealed class JsonRequestReader(IOptions<ServiceOptions> options, IOptions<JsonOptions> jsonOptions)
{
    public async Task<RequestBody<T>> ReadAsync<T>(HttpRequest request, string example, JsonSerializerOptions? serializerOptions = null)
        where T : class
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (!request.HasJsonContentType())
        {
            return new(null, ApiProblems.UnsupportedMediaType(request.ContentType));
        }

        if (request.ContentLength > limit)
        {
            return new(null, ApiProblems.PayloadTooLarge(limit));
        }

        byte[]? body;
        try
        {
            body = await ReadLimitedAsync(request.Body, limit, request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new(null, ApiProblems.PayloadTooLarge(limit));
        }

        if (body is null)
        {
            return new(null, ApiProblems.PayloadTooLarge(limit));
        }

        if (body.Length == 0)
        {
            return new(null, ApiProblems.BadRequest($"The request body is empty. Send a JSON object such as {example}."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(body, serializerOptions ?? jsonOptions.Value.SerializerOptions);
            return value is null
                ? new(null, ApiProblems.BadRequest($"The request body must be a JSON object such as {example}, not null."))
                : new(value, null);
        }
        catch (JsonException ex)
        {
            return new(null, ApiProblems.BadRequest($"The request body is not valid JSON: {ex.Message} Expected an object such as {example}."));
        }
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (chunked bodies have no Content-Length).</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
