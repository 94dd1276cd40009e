using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Primitives;

namespace RagAssistant.Service.Security;

/// <summary>
/// Endpoint metadata: the endpoint changes state or spends compute, so it refuses what a foreign web page can send
/// (<see cref="CrossSiteRequestMiddleware"/>). Add it with <see cref="CrossSiteRequestConventions.RefuseCrossSiteRequests{TBuilder}"/>.
/// </summary>
internal sealed class RefuseCrossSiteRequestsMetadata
{
    public static RefuseCrossSiteRequestsMetadata Instance { get; } = new();
}

/// <summary>How a route or group opts in to refusing cross-site requests.</summary>
internal static class CrossSiteRequestConventions
{
    /// <summary>
    /// Refuses, with 403, requests to these endpoints that a foreign web page sent: a foreign <c>Origin</c> or
    /// <c>Sec-Fetch-Site: cross-site</c> (or <c>same-site</c>, another port of the same host). Clients that are not
    /// browsers send neither and are unaffected. Every route that changes state or spends compute opts in.
    /// </summary>
    public static TBuilder RefuseCrossSiteRequests<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(RefuseCrossSiteRequestsMetadata.Instance);
}

/// <summary>
/// Answers 403 to a request for an endpoint with <see cref="RefuseCrossSiteRequestsMetadata"/> that a browser sent from
/// another site, before its body is read. A request is foreign when its <c>Origin</c> (which browsers send on every
/// cross-origin request and on same-origin POSTs) names another host and port than its <c>Host</c> and is not in
/// <c>Service:AllowedHosts</c>, or <c>"null"</c>, or when <c>Sec-Fetch-Site</c> says <c>cross-site</c> or <c>same-site</c>.
/// The web chat is same-origin, and curl, the OpenAI SDKs and Semantic Kernel send neither header.
/// </summary>
internal sealed partial class CrossSiteRequestMiddleware(RequestDelegate next, AllowedHostNames hosts, EndpointDataSource endpoints, ILogger<CrossSiteRequestMiddleware> logger)
{
    // The route templates of the endpoints that refuse cross-site requests, read once the routes are mapped.
    private TemplateMatcher[]? refusingRoutes;

    public Task InvokeAsync(HttpContext context)
    {
        if (ForeignBy(context.Request) is not { } reason || !Refuses(context))
        {
            return next(context);
        }

        LogRefused(logger, context.Request.Path, reason);
        return Results.Problem(
            $"This endpoint refuses requests from other web sites ({reason}): only the service's own web chat and clients that are not browsers may call it. " +
            "If you open the web chat through a reverse proxy under another name, add that name to Service:AllowedHosts.",
            statusCode: StatusCodes.Status403Forbidden,
            title: "Cross-site request refused.").ExecuteAsync(context);
    }

    /// <summary>
    /// Whether the request is for an endpoint that refuses cross-site requests. Routing answers a content type or a
    /// method the path's endpoints do not accept (a form post: 415; a GET of a POST route: 405) with an endpoint of its
    /// own, without their metadata: the path then decides, so the refusal comes before anything about the body.
    /// </summary>
    private bool Refuses(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RefuseCrossSiteRequestsMetadata>() is not null)
        {
            return true;
        }

        if (endpoint is RouteEndpoint)
        {
            return false;
        }

        refusingRoutes ??= [.. endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(route => route.Metadata.GetMetadata<RefuseCrossSiteRequestsMetadata>() is not null)
            .Select(route => new TemplateMatcher(new RouteTemplate(route.RoutePattern), new RouteValueDictionary()))];
        return refusingRoutes.Any(route => route.TryMatch(context.Request.Path, new RouteValueDictionary()));
    }

    /// <summary>Why the request came from a foreign page, or null when it did not.</summary>
    private string? ForeignBy(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"];
        if (Is(fetchSite, "cross-site") || Is(fetchSite, "same-site"))
        {
            return $"Sec-Fetch-Site: {fetchSite}";
        }

        var origin = request.Headers.Origin;
        if (StringValues.IsNullOrEmpty(origin))
        {
            return null;
        }

        if (origin.Count != 1 || !Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return $"Origin: {origin}";
        }

        // Same origin as the request's Host (the scheme aside: a TLS-terminating proxy forwards https pages over http),
        // or the public name of a reverse proxy that rewrites Host.
        var sameAuthority = string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
        return sameAuthority || hosts.IsListed(new HostString(uri.Authority)) ? null : $"Origin: {origin}";
    }

    private static bool Is(StringValues header, string value) => string.Equals(header.ToString().Trim(), value, StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a cross-site request to {Path} ({Reason})")]
    private static partial void LogRefused(ILogger logger, string path, string reason);
}
