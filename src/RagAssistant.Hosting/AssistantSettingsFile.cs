using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using RagAssistant.Core;

namespace RagAssistant.Hosting;

/// <summary>
/// The one appsettings.json both front ends read, found by the rule that places the relative paths it names
/// (<c>models/</c>, <c>data/papers</c>, <c>.cache</c>; <see cref="LocalPathResolver"/>): the working directory's when it
/// has one, else the source checkout's (the folder holding RagAssistant.sln above the program), else the copy the build
/// puts beside the program. Run from the repository root, as the README says, the console and the service read the
/// repository's own file; an edit there is seen at the next start by both, never a stale copy in <c>bin/</c>.
/// </summary>
public static class AssistantSettingsFile
{
    /// <summary>The settings file's name.</summary>
    public const string FileName = "appsettings.json";

    /// <summary>The folder whose appsettings.json is read: the first of the candidate roots that has one (see the class summary).</summary>
    /// <returns>An absolute folder path; when no candidate has the file, the working directory (the defaults apply).</returns>
    public static string Folder => LocalPathResolver.RootOf(FileName);

    /// <summary>
    /// Points <paramref name="builder"/>'s appsettings.json and appsettings.{Environment}.json at <see cref="Folder"/>,
    /// at the precedence the host gave them (environment variables and the command line still win). The host's content
    /// root (the console's program folder, the service's working directory) is left as it is. The file is read once, at
    /// start, where its values and names are checked; it is not watched (a watcher on the repository root would cost an
    /// inotify instance per host, and a value changed later would escape the start-up's checks): an edit counts at the
    /// next start.
    /// </summary>
    /// <typeparam name="TBuilder">The front end's builder (a generic host's or a web application's).</typeparam>
    /// <param name="builder">A builder whose default sources are still in place.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static TBuilder UseAssistantSettingsFile<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var folder = Folder;
        string[] files = [FileName, $"appsettings.{builder.Environment.EnvironmentName}.json"];
        var sources = builder.Configuration.Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } path } json && files.Contains(path, StringComparer.OrdinalIgnoreCase))
            {
                sources[i] = new JsonConfigurationSource
                {
                    Path = path,
                    Optional = json.Optional,
                    ReloadOnChange = false,
                    FileProvider = new PhysicalFileProvider(folder),
                };
            }
        }

        return builder;
    }

    /// <summary>The full path of the file a configuration provider reads, when it is one of the JSON settings files; else null.</summary>
    internal static string? PathOf(IConfigurationProvider provider) =>
        provider is JsonConfigurationProvider { Source: { Path: { } path } source }
            ? source.FileProvider?.GetFileInfo(path).PhysicalPath ?? path
            : null;
}
