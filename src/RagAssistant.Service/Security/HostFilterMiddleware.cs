namespace RagAssistant.Service.Security;

/// <summary>
/// Refuses a request whose <c>Host</c> the service does not answer (<see cref="AllowedHostNames"/>) with a 400 problem
/// that names the setting to change. This closes DNS rebinding: a page whose name was rebound to 127.0.0.1 still sends
/// its own name as <c>Host</c>. It runs before everything else, static files included.
/// </summary>
internal sealed partial class HostFilterMiddleware(RequestDelegate next, AllowedHostNames hosts, ILogger<HostFilterMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host;
        if (hosts.Allows(host))
        {
            return next(context);
        }

        LogRefused(logger, host.Value ?? string.Empty);
        var answered = hosts.LoopbackOnly ? "loopback (localhost, 127.0.0.1, [::1])" : "the names of Service:AllowedHosts and loopback";
        return Results.Problem(
            $"This service answers only requests addressed to {answered}, not to '{host.Host}'. If a reverse proxy forwards this name, " +
            $"add it to Service:AllowedHosts (e.g. --Service:AllowedHosts={host.Host}, or the environment variable Service__AllowedHosts; several names separated by ';').",
            statusCode: StatusCodes.Status400BadRequest,
            title: "Unknown host.").ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a request for host {Host}: not loopback and not in Service:AllowedHosts")]
    private static partial void LogRefused(ILogger logger, string host);
}
