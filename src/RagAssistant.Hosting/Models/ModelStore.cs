using Microsoft.Extensions.Options;
using RagAssistant.Core;

namespace RagAssistant.Hosting.Models;

/// <summary>A manifest entry and whether its file is in the models folder.</summary>
/// <param name="Model">The manifest entry.</param>
/// <param name="Path">The absolute path of its file in the models folder.</param>
/// <param name="IsPresent">True when that file exists (a finished download, or a file saved by hand).</param>
/// <param name="SizeOnDisk">Its size in bytes when present, else null.</param>
/// <param name="HasPartialDownload">True when an interrupted download (<c>FILE.part</c>) is there to resume.</param>
public sealed record ModelStatus(ModelEntry Model, string Path, bool IsPresent, long? SizeOnDisk, bool HasPartialDownload);

/// <summary>The local models folder and the manifest of models that can be fetched into it.</summary>
/// <param name="options">Where the folder and the manifest are (relative paths resolved by <see cref="LocalPathResolver"/>).</param>
public sealed class ModelStore(IOptions<ModelsOptions> options)
{
    /// <summary>Absolute path of the models folder, resolved like the model paths in appsettings.json (see <see cref="LocalPathResolver"/>).</summary>
    public string Folder => LocalPathResolver.Resolve(options.Value.Folder);

    /// <summary>Absolute path of the manifest.</summary>
    public string ManifestPath => LocalPathResolver.Resolve(options.Value.ManifestPath);

    /// <summary>Reads the manifest.</summary>
    /// <exception cref="FileNotFoundException">The manifest is missing.</exception>
    /// <exception cref="InvalidDataException">The manifest is malformed.</exception>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The parsed manifest.</returns>
    public Task<ModelManifest> LoadManifestAsync(CancellationToken cancellationToken = default) =>
        ModelManifest.LoadAsync(ManifestPath, cancellationToken);

    /// <summary>Where the model's file lives (or will live) in the models folder.</summary>
    /// <param name="model">The manifest entry.</param>
    /// <returns>The absolute path: <see cref="Folder"/> plus <see cref="ModelEntry.File"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public string GetPath(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Path.Combine(Folder, model.File);
    }

    /// <summary>Every manifest entry with what is on disk for it.</summary>
    /// <param name="cancellationToken">Stops reading the manifest.</param>
    /// <returns>One status per entry, in manifest order.</returns>
    /// <exception cref="FileNotFoundException">The manifest is missing.</exception>
    /// <exception cref="InvalidDataException">The manifest is malformed.</exception>
    public async Task<IReadOnlyList<ModelStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var manifest = await LoadManifestAsync(cancellationToken).ConfigureAwait(false);
        return manifest.Models.Select(Status).ToList();
    }

    /// <summary>What is on disk for one entry.</summary>
    /// <param name="model">The manifest entry.</param>
    /// <returns>Its path and whether the file (or a partial download) is there.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public ModelStatus Status(ModelEntry model)
    {
        var path = GetPath(model);
        var file = new FileInfo(path);
        return new ModelStatus(model, path, file.Exists, file.Exists ? file.Length : null, File.Exists(path + ModelDownloader.PartialSuffix));
    }
}
