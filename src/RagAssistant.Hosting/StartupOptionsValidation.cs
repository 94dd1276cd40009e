using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting;

/// <summary>Runs the options validation of start-up before the host starts, so a bad setting is only a message.</summary>
public static class StartupOptionsValidation
{
    /// <summary>
    /// Validates every option registered with <c>ValidateOnStart</c> now. The host would do the same in
    /// <c>StartAsync</c>, but it first logs "Hosting failed to start" with the exception's stack trace; validated
    /// here, the front end's own one-line message is all the user sees.
    /// </summary>
    /// <param name="services">The built host's services.</param>
    /// <exception cref="OptionsValidationException">A setting is invalid; <see cref="OptionsValidationException.Failures"/> say which and why.</exception>
    public static void ValidateStartupOptions(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.GetService<IStartupValidator>()?.Validate();
    }
}
