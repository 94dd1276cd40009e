using System.Text.Json;
using RagAssistant.Core;

namespace RagAssistant.Hosting;

/// <summary>
/// The one wording of a settings file (appsettings.json) that cannot be read, for every front end: the file and,
/// for malformed JSON, where it breaks. The configuration's own message names only the file.
/// </summary>
public static class ConfigurationFileFailure
{
    /// <summary>
    /// Words a settings file's load failure: "Failed to load configuration from file '/srv/appsettings.json': ','
    /// is an invalid start of a property name, at line 1, character 30." (the position one-based, the character in bytes).
    /// </summary>
    /// <param name="exception">What building the configuration threw.</param>
    /// <returns>
    /// The one line, or null when <paramref name="exception"/> is not a file configuration provider's
    /// <see cref="InvalidDataException"/> (which wraps the parser's <see cref="FormatException"/>, or the read's exception).
    /// </returns>
    public static string? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // A file configuration provider wraps the parse failure (a FormatException; the JSON provider's wraps the
        // parser's JsonException, which knows the position) or the read's. Other InvalidDataExceptions (a corrupt
        // model file) say everything in their own message.
        if (exception is not InvalidDataException { InnerException: (FormatException or IOException or UnauthorizedAccessException) and var cause } failure)
        {
            return null;
        }

        var reason = cause.InnerException is JsonException json ? MalformedJson.Describe(json) : cause.Message.TrimEnd('.');
        return $"{failure.Message.TrimEnd('.')}: {reason}.";
    }
}
