using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Chat;

namespace RagAssistant.Console.Cli;

/// <summary>
/// Builds the generic host a command runs in: appsettings.json (the one the service reads too, <see cref="AssistantSettingsFile"/>), the environment, the
/// <c>--Section:Key=value</c> settings of the command line, then the command-line overrides (<c>--model</c>...), then
/// the composition (the real one in Program.cs, doubles in tests).
/// </summary>
/// <param name="compose">Registers the assistant's services (Core, llama.cpp adapters, options).</param>
internal sealed class AssistantHostFactory(Action<HostApplicationBuilder> compose)
{
    // The console reads no settings besides the assistant's; the shared appsettings.json's Service section is the
    // service's, which a refusal names.
    private static readonly FrontEndSettings ConsoleSettings = new([], [])
    {
        Program = "the console",
        OtherPrograms = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Service"] = "the service" },
    };

    /// <summary>Builds (does not start) the host; checks the options that can be checked before start.</summary>
    /// <param name="overrides">The shared options given on the command line.</param>
    /// <param name="settings">The <c>--Section:Key=value</c> settings given on the command line (<see cref="CommandLineSettings"/>).</param>
    /// <param name="verbose">True to show informational logs on stderr.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    /// <exception cref="ArgumentException">A setting on the command line names nothing the assistant reads (<see cref="KnownSettings"/>).</exception>
    /// <exception cref="UnknownSettingException">A setting in appsettings.json or the environment names nothing the assistant reads.</exception>
    public IHost Build(CommandLineOverrides overrides, IReadOnlyList<string> settings, bool verbose = false)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(settings);

        // The host's own command-line configuration provider, as the service's: only the settings, never the options.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. settings],
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "ragassistant",
        });
        builder.UseAssistantSettingsFile();
        builder.Configuration.AddInMemoryCollection(overrides.ToConfiguration());

        // The console is for the conversation: logs go to stderr, warnings and above unless asked for.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = TerminalLogFormatter.Name;
        }).AddConsoleFormatter<TerminalLogFormatter, ConsoleFormatterOptions>();
        builder.Logging.AddFilter<ConsoleLoggerProvider>(category: null, verbose ? LogLevel.Information : LogLevel.Warning);

        // The console reports a model or index failure itself, once, as its error message: not also as a log line
        // (the start-up's steps log under its namespace).
        builder.Logging.AddFilter<ConsoleLoggerProvider>(typeof(AssistantStartup).Namespace, verbose ? LogLevel.Information : LogLevel.None);

        // Warnings the console shows itself, once: the corpus's with the index (StartupView), the missing chat template
        // as a start-up notice (RuntimeView). Logged as well, each would be said twice.
        // ModelDownloader's resumes are shown by the download's own view (above its progress bar), which a log line would break.
        // The embedding cache's failed save is a notice of the chat and of 'index' (EmbeddingProgress.CacheWarning).
        foreach (var shownByTheConsole in new[] { typeof(CorpusLoader).FullName, typeof(LlamaChatClient).FullName, typeof(ModelDownloader).FullName, CorpusIndex.CacheLogCategory })
        {
            builder.Logging.AddFilter<ConsoleLoggerProvider>(shownByTheConsole, verbose ? LogLevel.Information : LogLevel.Error);
        }

        builder.Services.AddSingleton<IHostLifetime, CommandLineHostLifetime>();
        builder.Services.AddSingleton<IModelDownloadHint, ConsoleDownloadHint>();
        builder.Services.AddModelDownloads(builder.Configuration);
        compose(builder);

        // A setting nothing reads would be ignored without a word: refuse it as bad usage (CliApplication: exit 2).
        // The command line's are checked first: when the one refused is also the first of appsettings.json and the
        // environment, it was named there, and is fixed there rather than on the command line.
        if (KnownSettings.FindUnknown(settings, builder.Configuration, ConsoleSettings) is { } unknown)
        {
            throw unknown == KnownSettings.FindUnknown([], builder.Configuration, ConsoleSettings) ? new UnknownSettingException(unknown) : new ArgumentException(unknown);
        }

        var host = builder.Build();
        try
        {
            host.Services.ValidateStartupOptions();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}

/// <summary>
/// A setting in appsettings.json or the environment that nothing reads: bad usage (exit 2) as one on the command line,
/// but its message names the file or variable to fix, which no option of <c>--help</c> would.
/// </summary>
/// <param name="message">The refusal (<see cref="KnownSettings.FindUnknown"/>).</param>
internal sealed class UnknownSettingException(string message) : Exception(message);
