using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace RagAssistant.Service.Options;

/// <summary>
/// Checks what data annotations cannot: a service reachable from other machines must have an API key.
/// Runs at start-up, so the service refuses to start rather than serve the corpus to the network.
/// </summary>
internal sealed class ServiceOptionsValidator(IConfiguration configuration) : IValidateOptions<ServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        if (options.ApiKey is { } key && key.Trim().Length < 16)
        {
            return ValidateOptionsResult.Fail(
                "Service:ApiKey is shorter than 16 characters; use a long random value (e.g. `openssl rand -hex 32`).");
        }

        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            return ValidateOptionsResult.Success;
        }

        var exposed = ListenAddresses.FromConfiguration(configuration).Where(url => !ListenAddresses.IsLoopback(url)).ToList();
        return exposed.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"The service is configured to listen on {string.Join(", ", exposed)}, which other machines can reach, " +
                "but no API key is set. Set Service:ApiKey (appsettings.json or the environment variable Service__ApiKey) " +
                "to a long random secret, or listen on loopback only (--urls http://127.0.0.1:PORT).");
    }
}
