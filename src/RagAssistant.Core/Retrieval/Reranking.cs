namespace RagAssistant.Core.Retrieval;

/// <summary>
/// The second stage of retrieval: orders the first stage's candidates (one per paper, at most
/// <see cref="RetrievalOptions.CandidateDepth"/>) before the top k is cut. Registered once; the default
/// (<see cref="RankOrderReranker"/>) keeps the first stage's order.
/// </summary>
public interface IReranker
{
    /// <summary>True when the reranker keeps the order it is given, so the first stage need not go deeper than top k.</summary>
    bool KeepsOrder => false;

    /// <summary>Orders <paramref name="candidates"/> for <paramref name="question"/>, best first.</summary>
    /// <param name="question">The question searched (its context excluded).</param>
    /// <param name="candidates">The first stage's candidates, best first.</param>
    /// <param name="cancellationToken">Cancels the reranking.</param>
    /// <returns>The same passages (a subset is allowed), best first; scores and relevance as they came.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<IReadOnlyList<RetrievedPassage>> RerankAsync(string question, IReadOnlyList<RetrievedPassage> candidates, CancellationToken cancellationToken = default);
}

/// <summary>The default <see cref="IReranker"/>: the first stage's order unchanged.</summary>
public sealed class RankOrderReranker : IReranker
{
    /// <inheritdoc/>
    public bool KeepsOrder => true;

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RetrievedPassage>> RerankAsync(string question, IReadOnlyList<RetrievedPassage> candidates, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(candidates);
}
