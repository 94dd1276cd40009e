using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Evidence;

/// <summary>
/// Checks a claim of an answer against the offered sources: for each source, the sentence that best supports the
/// claim (verbatim) and its support score in [0, 1]; the claim's verdict from its cited sources; and the sources it
/// does not cite that would support it. "Supported" means the cited source holds a sentence close to the claim; it is
/// not a proof.
/// </summary>
public interface IEvidenceChecker
{
    /// <summary>Checks one claim.</summary>
    /// <param name="claim">The claim and the source numbers it cites.</param>
    /// <param name="sources">Every source offered for the answer, numbered as its citations.</param>
    /// <param name="cancellationToken">Cancels the embedding of the claim.</param>
    /// <returns>The checked claim: verdict, one evidence entry per cited source then per suggested source, suggestions.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<AnswerClaim> CheckAsync(ClaimText claim, IReadOnlyList<AnswerSource> sources, CancellationToken cancellationToken = default);
}

/// <summary>
/// Sentence vectors computed ahead of answers (by the corpus index, kept in its sentence collection of the vector
/// store and cached on disk with the passage vectors).
/// </summary>
public interface ISourceSentenceVectors
{
    /// <summary>The vectors of those <paramref name="sentences"/> (as <see cref="SourceSentences.Split"/> gives them) already computed, in one read.</summary>
    /// <param name="sentences">The sentences; repeats are read once.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Vector by sentence; a sentence not computed yet is absent.</returns>
    Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetAsync(IEnumerable<string> sentences, CancellationToken cancellationToken = default);
}
