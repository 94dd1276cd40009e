using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RagAssistant.Core.Evidence;

/// <summary>
/// How a claim's support is scored. A sentence's support score is
/// <c>SimilarityWeight · clamp((cosine − SimilarityFloor) / (1 − SimilarityFloor)) + (1 − SimilarityWeight) · overlap</c>,
/// where cosine is the embedder's similarity of claim and sentence (both embedded as documents) and overlap the share
/// of the claim's content words the sentence holds; without an embedder it is the overlap alone. A source supports a
/// claim when its best sentence scores at least the threshold. Bound from "Evidence", validated at start; the
/// defaults were chosen on the dev set (see the Answering README).
/// </summary>
public sealed class EvidenceOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Evidence";

    /// <summary>Least support score, with an embedder, at which a source supports a claim.</summary>
    [Range(0.0, 1.0)]
    public double SupportThreshold { get; set; } = 0.5;

    /// <summary>Least support score (word overlap alone) at which a source supports a claim when no embedder is configured.</summary>
    [Range(0.0, 1.0)]
    public double LexicalSupportThreshold { get; set; } = 0.4;

    /// <summary>The embedder's share of the support score; the rest is word overlap.</summary>
    [Range(0.0, 1.0)]
    public double SimilarityWeight { get; set; } = 0.4;

    /// <summary>The cosine similarity that counts as no support at all (unrelated sentences of one field score about this).</summary>
    [Range(0.0, 0.99)]
    public double SimilarityFloor { get; set; } = 0.5;
}

/// <summary>Validates <see cref="EvidenceOptions"/> at start (generated from its data annotations).</summary>
[OptionsValidator]
internal sealed partial class EvidenceOptionsValidator : IValidateOptions<EvidenceOptions>;
