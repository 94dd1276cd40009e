using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Microsoft.Extensions.Hosting;

/// <summary>Finds the repository's shared appsettings.json when the service starts outside the repository root.</summary>
internal static class SharedSettingsExtensions
{
    private const string SettingsFile = "appsettings.json";

    /// <summary>
    /// When the content root (the working directory) has no appsettings.json, reads the shared one the build copies
    /// beside the program instead, at the same precedence (environment variables and the command line still win).
    /// </summary>
    /// <remarks>
    /// `dotnet run --project src/RagAssistant.Service` starts in the shell's folder (RunWorkingDirectory in the
    /// project), and a published service wherever it is started: a folder with no settings of its own would otherwise
    /// silently run the service on defaults.
    /// </remarks>
    public static WebApplicationBuilder UseSharedSettingsWhenContentRootHasNone(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (File.Exists(Path.Combine(builder.Environment.ContentRootPath, SettingsFile))
            || !File.Exists(Path.Combine(AppContext.BaseDirectory, SettingsFile)))
        {
            return builder;
        }

        IList<IConfigurationSource> sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: SettingsFile })
            {
                sources[i] = new JsonConfigurationSource
                {
                    Path = SettingsFile,
                    Optional = false,
                    FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
                };
                break;
            }
        }

        return builder;
    }
}
