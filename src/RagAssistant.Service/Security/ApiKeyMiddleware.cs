using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Security;

/// <summary>
/// When <see cref="ServiceOptions.ApiKey"/> is set, requires <c>Authorization: Bearer KEY</c> on /api and /v1.
/// Health probes and the static chat page stay open: they reveal nothing of the corpus.
/// </summary>
internal sealed partial class ApiKeyMiddleware(RequestDelegate next, IOptions<ServiceOptions> options, ILogger<ApiKeyMiddleware> logger)
{
    // Hashing first makes the comparison constant-time in the key's length too.
    private readonly byte[]? _expectedHash = string.IsNullOrWhiteSpace(options.Value.ApiKey)
        ? null
        : SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ApiKey.Trim()));

    public Task InvokeAsync(HttpContext context)
    {
        if (_expectedHash is null || !IsProtected(context.Request.Path) || HasValidKey(context.Request))
        {
            return next(context);
        }

        LogRejected(logger, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(
            "This service requires an API key: send the header 'Authorization: Bearer <Service:ApiKey>'.",
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Missing or wrong API key.").ExecuteAsync(context);
    }

    private static bool IsProtected(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);

    private bool HasValidKey(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _expectedHash);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a request to {Path} from {RemoteAddress}: missing or wrong API key")]
    private static partial void LogRejected(ILogger logger, string path, string remoteAddress);
}
