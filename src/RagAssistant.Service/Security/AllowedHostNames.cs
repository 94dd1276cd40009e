using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Security;

/// <summary>
/// The <c>Host</c> names the service answers, and the origins its pages may come from: loopback's names
/// (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>, any port) and the patterns of <see cref="ServiceOptions.AllowedHosts"/>
/// (a reverse proxy's public name). While the service listens only on loopback, any other name is a page that rebound
/// its own name to 127.0.0.1 (DNS rebinding) and is refused; listening beyond loopback, any name is answered unless
/// the allow-list is set (the API key guards that case).
/// </summary>
internal sealed class AllowedHostNames
{
    private readonly StringSegment[] _patterns;

    public AllowedHostNames(IOptions<ServiceOptions> options)
    {
        var service = options.Value;
        _patterns = [.. ServiceOptions.SplitHosts(service.AllowedHosts).Select(pattern => new StringSegment(pattern))];
        var loopbackOnly = service.ListenUrls.All(ListenAddresses.IsLoopback);
        AnyHost = _patterns.Any(p => p.Equals("*", StringComparison.Ordinal)) || (!loopbackOnly && _patterns.Length == 0);
        LoopbackOnly = loopbackOnly;
    }

    /// <summary>True when every <c>Host</c> is answered: listening beyond loopback without an allow-list, or an allow-list of <c>*</c>.</summary>
    public bool AnyHost { get; }

    /// <summary>True when the service listens on loopback addresses only.</summary>
    public bool LoopbackOnly { get; }

    /// <summary>True when a request with this <c>Host</c> header is answered; a request without one (HTTP/1.0) is.</summary>
    public bool Allows(HostString host) =>
        AnyHost || !host.HasValue || IsLoopbackName(host.Host) || IsListed(host);

    /// <summary>
    /// True when <paramref name="host"/> matches a pattern of <see cref="ServiceOptions.AllowedHosts"/> other than a
    /// bare <c>*</c>, with the matching of ASP.NET Core's host filtering (<c>*.example.org</c>, port ignored).
    /// </summary>
    public bool IsListed(HostString host) =>
        host.HasValue && HostString.MatchesAny(host.Value, [.. _patterns.Where(p => !p.Equals("*", StringComparison.Ordinal))]);

    /// <summary>True for <c>localhost</c> and every loopback IP address (<c>127.0.0.1</c>, <c>[::1]</c>).</summary>
    public static bool IsLoopbackName(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
