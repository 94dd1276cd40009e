namespace RagAssistant.Service.Security;

/// <summary>
/// Adds the browser security headers to every response, problems and static files included: no content sniffing, a
/// Content-Security-Policy that allows only the service's own scripts, styles and connections (no inline script) and
/// no framing, and no referrer. The web chat (wwwroot) is written for this policy: no inline script, style or handler.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>The policy: everything from the service itself, nothing inline, no plugins, never in a frame.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        // On starting, so the headers survive the exception handler, which clears the response's headers.
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
