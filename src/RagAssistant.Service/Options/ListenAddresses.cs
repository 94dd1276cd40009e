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
