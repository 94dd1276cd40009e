using RagAssistant.Hosting.Models;

namespace RagAssistant.Hosting.Startup;

/// <summary>
/// The default model of a role (the first of that role in models/models.json) offered for download because the
/// assistant runs without one. The console asks whether to fetch it; the service names it in /api/status.
/// </summary>
/// <param name="Role">"chat".</param>
/// <param name="Model">The manifest entry: name, URL, size, licence.</param>
/// <param name="Download">Where a download goes in the models folder, and what is there already (a finished file, a partial one).</param>
/// <param name="ConfiguredPath">The file the configuration names (<c>ChatModel:ModelPath</c>), or null when none is configured.</param>
public sealed record ModelDownloadOffer(string Role, ModelEntry Model, ModelStatus Download, string? ConfiguredPath)
{
    /// <summary>Where a file saved by hand is picked up at the next start: the configured path, else the models folder.</summary>
    public string TargetPath => ConfiguredPath ?? Download.Path;

    /// <summary>The public download URL.</summary>
    public Uri Url => Model.Url;

    /// <summary>The exact size in bytes when the manifest pins it, else null (see <see cref="ModelEntry.ApproximateSizeMegabytes"/>).</summary>
    public long? SizeBytes => Model.SizeBytes;
}

/// <summary>How a start-up notice tells the user to fetch a missing model; each front end words it for its user.</summary>
public interface IModelDownloadHint
{
    /// <summary>The instruction, as a sentence without its final full stop ("Download it with `curl ...`").</summary>
    /// <param name="role">"chat" or "embedding".</param>
    /// <param name="path">The absolute path the assistant loads the file from.</param>
    /// <param name="model">The manifest's default model of <paramref name="role"/>, or null when the manifest cannot be read.</param>
    /// <returns>The instruction, e.g. "Download it with `curl -L --create-dirs -o PATH URL`".</returns>
    string Describe(string role, string path, ModelEntry? model);

    /// <summary>
    /// How to start a failed download of <paramref name="model"/> again, which resumes from the bytes kept: the
    /// subject of "... resumes from there" in <see cref="ModelDownloadException"/> messages, in the words of the front
    /// end that downloads (the console's command, the service's endpoint).
    /// </summary>
    /// <param name="model">The manifest entry whose download failed.</param>
    /// <returns>A clause such as "the next `dotnet run --project src/RagAssistant.Console -- models download NAME`".</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    string DescribeRetry(ModelEntry model);

    /// <summary>
    /// How to fetch the default model of <paramref name="role"/> again, as the clause a model file's error offers as
    /// its fix when the file is missing or not a model (<see cref="LlamaCpp.Gguf.ModelFileException.WithDownloadAdvice"/>),
    /// in the front end's words; the default names no command, for a user who may have no source checkout.
    /// </summary>
    /// <param name="role">"chat" or "embedding".</param>
    /// <returns>A clause such as "download the default one with `dotnet run --project src/RagAssistant.Console -- models download chat` from the repository root".</returns>
    string DescribeDownloadAgain(string role) => $"download the default {role} model named in models/models.json again and save it at that path";
}

/// <summary>Puts the front end's words for fetching a model into a model file's error.</summary>
public static class ModelDownloadHintExtensions
{
    /// <summary>
    /// <paramref name="failure"/> with its fix naming how to fetch the default model the way this front end does
    /// (<see cref="IModelDownloadHint.DescribeDownloadAgain"/>): the one place a model file's error gets its command.
    /// </summary>
    /// <param name="hint">The front end's hint.</param>
    /// <param name="failure">The adapter's error.</param>
    /// <returns>The reworded error (or <paramref name="failure"/> when its message was given whole).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hint"/> or <paramref name="failure"/> is null.</exception>
    public static LlamaCpp.Gguf.ModelFileException Advise(this IModelDownloadHint hint, LlamaCpp.Gguf.ModelFileException failure)
    {
        ArgumentNullException.ThrowIfNull(hint);
        ArgumentNullException.ThrowIfNull(failure);
        return failure.WithDownloadAdvice(hint.DescribeDownloadAgain(failure.Role == LlamaCpp.Gguf.ModelFileRole.Embedding ? "embedding" : "chat"));
    }
}

/// <summary>
/// The hint for a user who has no source checkout (the service): the exact command line that saves the file where
/// the assistant looks for it. The notice around it says to restart.
/// </summary>
public sealed class DownloadCommandHint : IModelDownloadHint
{
    /// <inheritdoc/>
    public string Describe(string role, string path, ModelEntry? model)
    {
        ArgumentNullException.ThrowIfNull(path);
        return model is null
            ? $"Save the GGUF file of the {role} model named in models/models.json at that path"
            : $"Download it with `{CurlCommand(path, model.Url)}`";
    }

    /// <inheritdoc/>
    public string DescribeRetry(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return $"downloading {model.Name} again";
    }

    /// <summary>The curl command line that saves <paramref name="url"/> at <paramref name="path"/>, creating its folder.</summary>
    /// <param name="path">Where the file goes (quoted when it holds white space).</param>
    /// <param name="url">The model's public download URL.</param>
    /// <returns><c>curl -L --create-dirs -o PATH URL</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="url"/> is null.</exception>
    public static string CurlCommand(string path, Uri url)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(url);

        // Quoted only when needed, so the usual path reads (and copies) plainly.
        var target = path.Any(char.IsWhiteSpace) ? $"'{path}'" : path;
        return $"curl -L --create-dirs -o {target} {url}";
    }
}
