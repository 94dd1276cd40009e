using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Hosting.Models;

/// <summary>Where models live and how they are fetched; bound from the "Models" section.</summary>
public sealed class ModelsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Models";

    /// <summary>Folder that holds model files; relative paths are resolved against the working directory, then the program's folder and its parents.</summary>
    [Required(ErrorMessage = "Models:Folder is required.")]
    public string Folder { get; set; } = "models";

    /// <summary>The manifest of downloadable models; relative paths are resolved against the working directory, then the program's folder and its parents.</summary>
    [Required(ErrorMessage = "Models:ManifestPath is required.")]
    public string ManifestPath { get; set; } = "models/models.json";

    /// <summary>Attempts per download; each retry resumes where the last one stopped.</summary>
    [Range(1, 20, ErrorMessage = "Models:DownloadAttempts must be between 1 and 20.")]
    public int DownloadAttempts { get; set; } = 4;

    /// <summary>Seconds without a single byte before a connection counts as dropped (and is resumed).</summary>
    [Range(1, 3600, ErrorMessage = "Models:StallTimeoutSeconds must be between 1 and 3600 seconds.")]
    public int StallTimeoutSeconds { get; set; } = 60;
}
