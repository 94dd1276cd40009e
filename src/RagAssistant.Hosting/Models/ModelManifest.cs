using System.Text.Json;
using System.Text.Json.Serialization;
using RagAssistant.Core;

namespace RagAssistant.Hosting.Models;

/// <summary>The models the assistant knows how to fetch, read from <c>models/models.json</c>.</summary>
/// <param name="Models">The entries, in file order; the first of a role is that role's default.</param>
public sealed record ModelManifest(IReadOnlyList<ModelEntry> Models)
{
    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The entry for a role ("chat", "embedding") or a name; null when none matches.</summary>
    /// <param name="roleOrName">A model name (matched first) or a role, case-insensitive.</param>
    /// <returns>The entry of that name, else the first of that role, else null.</returns>
    public ModelEntry? Find(string roleOrName) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, roleOrName, StringComparison.OrdinalIgnoreCase))
        ?? Models.FirstOrDefault(m => string.Equals(m.Role, roleOrName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses a manifest; a malformed file gets an error that names the file and the problem.</summary>
    /// <param name="json">The manifest's JSON: <c>{ "models": [ { "name", "role", "file", "url", "size_bytes", "sha256", ... } ] }</c>.</param>
    /// <param name="sourceName">What error messages call the file (its path).</param>
    /// <returns>The validated manifest.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid manifest.</exception>
    public static ModelManifest Parse(string json, string sourceName)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, SerializerOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{sourceName}: not valid JSON ({MalformedJson.Describe(ex)}).", ex);
        }

        if (manifest?.Models is null)
        {
            throw new InvalidDataException($"{sourceName}: expected an object with a \"models\" array.");
        }

        var problems = manifest.Models.SelectMany((m, i) => m.Validate().Select(p => $"models[{i}]: {p}")).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{sourceName}: {string.Join("; ", problems)}.");
        }

        // The first of each role is its default: the one `models download ROLE` fetches.
        return manifest with
        {
            Models = [.. manifest.Models.Select((m, i) => m with { IsRoleDefault = manifest.Models.Take(i).All(earlier => !string.Equals(earlier.Role, m.Role, StringComparison.OrdinalIgnoreCase)) })],
        };
    }

    /// <summary>Reads and parses the manifest file.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The validated manifest.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid manifest.</exception>
    public static async Task<ModelManifest> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model manifest not found: {path}", path);
        }

        var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(json, path);
    }
}

/// <summary>One downloadable model.</summary>
/// <param name="Name">Short name used on the command line ("qwen2.5-0.5b-instruct").</param>
/// <param name="Role">"chat" or "embedding".</param>
/// <param name="File">File name inside the models folder.</param>
/// <param name="Url">Public download URL.</param>
/// <param name="SizeBytes">Exact size when known; checked after download.</param>
/// <param name="Sha256">Lower-case hex SHA-256 when known; checked after download.</param>
/// <param name="License">SPDX licence id.</param>
/// <param name="Description">One line for <c>models list</c>.</param>
/// <param name="QueryPrefix">Instruction prepended to search queries (embedding models that expect one).</param>
public sealed record ModelEntry(
    string Name,
    string Role,
    string File,
    Uri Url,
    long? SizeBytes,
    string? Sha256,
    string? License,
    string? Description,
    string? QueryPrefix = null)
{
    /// <summary>Approximate size for display when the exact size is not pinned.</summary>
    [JsonPropertyName("approx_size_mb")]
    public int? ApproximateSizeMegabytes { get; init; }

    /// <summary>True for the first model of its role in the manifest: the one <c>models download ROLE</c> fetches.</summary>
    [JsonIgnore]
    public bool IsRoleDefault { get; init; }

    /// <summary>
    /// What to type after <c>models download</c> to fetch this model: its role for a role's default (the one command
    /// every message names, <c>models download chat</c>), else its name.
    /// </summary>
    [JsonIgnore]
    public string DownloadArgument => IsRoleDefault ? Role : Name;

    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return "\"name\" is required";
        }

        if (Role is not ("chat" or "embedding"))
        {
            yield return $"\"role\" must be \"chat\" or \"embedding\", not \"{Role}\"";
        }

        if (string.IsNullOrWhiteSpace(File) || File.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || File.Contains('/', StringComparison.Ordinal))
        {
            yield return $"\"file\" must be a plain file name, not \"{File}\"";
        }

        if (Url is null || !Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https"))
        {
            yield return $"\"url\" of {Name} must be an absolute http(s) URL";
        }

        if (SizeBytes is <= 0)
        {
            yield return $"\"size_bytes\" of {Name} must be positive";
        }

        if (Sha256 is not null && (Sha256.Length != 64 || !Sha256.All(Uri.IsHexDigit)))
        {
            yield return $"\"sha256\" of {Name} must be 64 hex digits";
        }
    }
}
