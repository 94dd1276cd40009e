using System.Net;
using Microsoft.Extensions.Configuration;

namespace RagAssistant.Service.Options;

/// <summary>The addresses the service is configured to listen on, read the way Kestrel reads them.</summary>
internal static class ListenAddresses
{
    /// <summary>URLs from <c>--urls</c>/<c>urls</c>, <c>http_ports</c>/<c>https_ports</c> and <c>Kestrel:Endpoints</c>.</summary>
    public static IReadOnlyList<string> FromConfiguration(IConfiguration configuration)
    {
        var urls = new List<string>();
        AddSeparated(urls, configuration["urls"]);

        // Ports without a host bind every interface, as in containers (ASPNETCORE_HTTP_PORTS).
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            foreach (var port in Split(configuration[key]))
            {
                urls.Add($"http://*:{port}");
            }
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            AddSeparated(urls, endpoint["Url"]);
        }

        return urls;
    }

    /// <summary>True when <paramref name="url"/> can only be reached from this machine.</summary>
    public static bool IsLoopback(string url)
    {
        var host = HostOf(url);
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>
    /// Why <paramref name="url"/> is no address to listen on, or null when it is one: a scheme (http or https), a host,
    /// and a port of 0 to 65535 when one is given. Kestrel reads "http://localhost:abc" as every interface on port 80,
    /// which the loopback check above would take for this machine only.
    /// </summary>
    public static string? Problem(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0 || url[..scheme] is not ("http" or "https" or "HTTP" or "HTTPS"))
        {
            return "it needs a scheme, http:// or https://";
        }

        var host = HostOf(url);
        if (host.Length == 0)
        {
            return "it names no host";
        }

        var authority = url[(scheme + 3)..].Split('/')[0];
        var port = authority[host.Length..];
        if (port.Length == 0)
        {
            return null;
        }

        return port[0] == ':' && int.TryParse(port.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number <= 65535
            ? null
            : $"its port '{port.TrimStart(':')}' is not a number from 0 to 65535";
    }

    private static string HostOf(string url)
    {
        // "*" and "+" are not valid URI hosts, so take the host out by hand.
        var rest = url;
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            rest = rest[(scheme + 3)..];
        }

        var slash = rest.IndexOf('/');
        if (slash >= 0)
        {
            rest = rest[..slash];
        }

        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            return close > 0 ? rest[..(close + 1)] : rest;
        }

        var colon = rest.LastIndexOf(':');
        return colon >= 0 ? rest[..colon] : rest;
    }

    private static void AddSeparated(List<string> urls, string? value) => urls.AddRange(Split(value));

    private static string[] Split(string? value) =>
        value?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
