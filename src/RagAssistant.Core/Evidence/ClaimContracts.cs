namespace RagAssistant.Core.Evidence;

/// <summary>How well a claim's cited sources support it.</summary>
public enum ClaimVerdict
{
    /// <summary>Every cited source holds a sentence close to the claim.</summary>
    Supported,

    /// <summary>Some cited sources support the claim and others do not.</summary>
    Partly,

    /// <summary>No cited source supports the claim.</summary>
    Unsupported,

    /// <summary>The claim cites no source.</summary>
    Uncited,
}

/// <summary>A claim of an answer before it is checked: its text as shown and the offered sources it cites.</summary>
/// <param name="Text">The claim as it appears in the answer, citation markers included.</param>
/// <param name="Cited">The offered source numbers its markers name, in order of first use; empty when it cites none.</param>
public sealed record ClaimText(string Text, IReadOnlyList<int> Cited);

/// <summary>The sentence of one source that best supports a claim.</summary>
/// <param name="Number">The source number, as the answer cites it ([n]).</param>
/// <param name="Sentence">The sentence, verbatim as it appears in the source's text.</param>
/// <param name="Score">The support score in [0, 1] (see <see cref="EvidenceOptions"/>): 1 for a quote.</param>
public sealed record ClaimEvidence(int Number, string Sentence, double Score);

/// <summary>A checked claim of an answer.</summary>
/// <param name="Text">The claim as it appears in the answer, citation markers included.</param>
/// <param name="Cited">The offered source numbers it cites.</param>
/// <param name="Verdict">How well its cited sources support it.</param>
/// <param name="Evidence">One entry per cited source, then one per suggested source.</param>
/// <param name="Suggested">
/// For a claim that is not <see cref="ClaimVerdict.Supported"/>: the offered sources it does not cite that support it, best first.
/// </param>
public sealed record AnswerClaim(string Text, IReadOnlyList<int> Cited, ClaimVerdict Verdict, IReadOnlyList<ClaimEvidence> Evidence, IReadOnlyList<int> Suggested);

/// <summary>How many of an answer's claims got each verdict.</summary>
/// <param name="Claims">All claims.</param>
/// <param name="Supported">Claims every cited source supports.</param>
/// <param name="Partly">Claims some cited sources support.</param>
/// <param name="Unsupported">Claims no cited source supports.</param>
/// <param name="Uncited">Claims that cite nothing.</param>
public sealed record GroundingSummary(int Claims, int Supported, int Partly, int Unsupported, int Uncited)
{
    /// <summary>The summary of <paramref name="claims"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="claims"/> is null.</exception>
    public static GroundingSummary Of(IReadOnlyCollection<AnswerClaim> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return new GroundingSummary(
            claims.Count,
            claims.Count(c => c.Verdict == ClaimVerdict.Supported),
            claims.Count(c => c.Verdict == ClaimVerdict.Partly),
            claims.Count(c => c.Verdict == ClaimVerdict.Unsupported),
            claims.Count(c => c.Verdict == ClaimVerdict.Uncited));
    }
}
