using System.CommandLine;
using System.Reflection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using RagAssistant.Hosting;
using RagAssistant.Service.Options;

namespace RagAssistant.Service;

/// <summary>
/// Takes the assistant's own options (--model, --embedding-model, --corpus, --retrieval-only, --help) off the
/// command line with System.CommandLine and leaves the rest (--urls, --environment, Section:Key=value) to ASP.NET
/// Core's configuration.
/// </summary>
/// <remarks>
/// They must be removed, not just read: ASP.NET Core would take "--retrieval-only --urls X" as the key
/// "retrieval-only" with the value "--urls".
/// </remarks>
internal sealed record ServiceCommandLine(CommandLineOverrides Overrides, IReadOnlyList<string> HostArguments, bool ShowHelp)
{
    public const string Usage = """
        RagAssistant service: HTTP API, OpenAI-compatible endpoint and web chat over the paper corpus.

        Usage: RagAssistant.Service [options]

          --urls URLS               Where to listen (default http://127.0.0.1:5080). Anything but loopback
                                    requires Service:ApiKey.
          --model FILE              Chat model (GGUF).
          --embedding-model FILE    Embedding model (GGUF) instead of the bundled one.
          --corpus DIR              Corpus folder to index and watch.
          --retrieval-only          Answer with extracted sentences; load no chat model.
          --Section:Key=value       Any appsettings.json value, e.g. --Service:MaxConcurrentAnswers=2.
          -h, --help                Show this help.
        """;

    /// <summary>
    /// What the service reads besides the assistant's options, for <see cref="KnownSettings"/>: its own options
    /// (<c>Service</c>), the web host's settings (<c>urls</c>, <c>environment</c>... every <see cref="WebHostDefaults"/>
    /// and <see cref="HostDefaults"/> key), Kestrel's and the host filter's sections, and the telemetry endpoint.
    /// </summary>
    public static FrontEndSettings Settings { get; } = new(
        [new SettingsSection(ServiceOptions.SectionName, typeof(ServiceOptions))],
        [
            .. Constants(typeof(WebHostDefaults)),
            .. Constants(typeof(HostDefaults)),
            "Kestrel",
            "AllowedHosts",
            "https_port",
            TelemetryHostApplicationBuilderExtensions.OtlpEndpointKey,
            TelemetryHostApplicationBuilderExtensions.StandardOtlpEndpointKey,
        ])
    { Program = "the service" };

    /// <summary>
    /// Parses the shared options (<see cref="AssistantCommandLineOptions"/>, the same definitions as the console's) and
    /// <c>--help</c>; every other token goes to ASP.NET Core. False, with the first error, when an option is malformed.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, out ServiceCommandLine commandLine, out string? error)
    {
        var shared = new AssistantCommandLineOptions(new Api.ServiceDownloadHint());
        var help = new Option<bool>("--help", "-h", "-?");
        var root = new RootCommand { TreatUnmatchedTokensAsErrors = false };
        root.Options.Clear();
        foreach (var option in shared.All)
        {
            root.Options.Add(option);
        }

        root.Options.Add(help);
        var result = root.Parse([.. args]);
        error = result.Errors.Count > 0 ? $"{result.Errors[0].Message} Run with --help for all options." : null;
        commandLine = new ServiceCommandLine(
            error is null ? shared.ToOverrides(result) : new CommandLineOverrides(),
            [.. result.UnmatchedTokens],
            error is null && result.GetValue(help));
        return error is null;
    }

    private static IEnumerable<string> Constants(Type type) =>
        // WebHostDefaults' keys are static readonly fields, HostDefaults' constants: read both as values.
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(string)).Select(f => (string)f.GetValue(null)!);
}
