using System.Runtime.CompilerServices;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Hosting.Contract;

/// <summary>
/// The one mapping of a streamed answer (<see cref="IAnswerPipeline.AnswerStreamingAsync"/>) to what a front end
/// emits: each front end overrides the steps it shows (the console's status line and text, the Server-Sent Events of
/// <c>/api/ask</c>, the chunks of <c>/v1/chat/completions</c>) and <see cref="ProjectAsync"/> walks the stream.
/// A step a front end does not override emits nothing, so a new kind of <see cref="AnswerUpdate"/> is added here once.
/// </summary>
/// <typeparam name="T">What the front end emits: an SSE item, a console step.</typeparam>
public abstract class AnswerStreamProjection<T>
{
    /// <summary>
    /// The stream of <typeparamref name="T"/> for <paramref name="updates"/>: <see cref="OnStarted"/>, then one mapping
    /// per update, then <see cref="OnEnded"/> once the updates end (not when they fail or are cancelled).
    /// </summary>
    /// <param name="updates">The answer's updates: sources, text pieces, the completed result.</param>
    /// <param name="cancellationToken">Cancels the enumeration of <paramref name="updates"/>.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>Exceptions of <paramref name="updates"/> (a failed answer) reach the caller unchanged.</remarks>
    public async IAsyncEnumerable<T> ProjectAsync(IAsyncEnumerable<AnswerUpdate> updates, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var item in OnStarted())
        {
            yield return item;
        }

        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var items = update switch
            {
                SourcesRetrievedUpdate sources => OnSourcesRetrieved(sources),
                AnswerTextUpdate text => OnText(text.Text),
                ClaimCheckedUpdate claim => OnClaim(claim.Claim),
                AnswerCompletedUpdate completed => OnCompleted(completed.Result),
                _ => [],
            };
            foreach (var item in items)
            {
                yield return item;
            }
        }

        foreach (var item in OnEnded())
        {
            yield return item;
        }
    }

    /// <summary>What comes before the first update (e.g. the role chunk of an OpenAI stream); nothing by default.</summary>
    protected virtual IEnumerable<T> OnStarted() => [];

    /// <summary>Retrieval finished: the sources that will be offered to the model; nothing by default.</summary>
    /// <param name="update">The search query and the numbered sources.</param>
    protected virtual IEnumerable<T> OnSourcesRetrieved(SourcesRetrievedUpdate update) => [];

    /// <summary>A piece of answer text, to append to what came before; nothing by default.</summary>
    /// <param name="text">The piece, possibly part of a word or of a citation marker.</param>
    protected virtual IEnumerable<T> OnText(string text) => [];

    /// <summary>A claim's sentence is complete and checked against its sources; nothing by default.</summary>
    /// <param name="claim">The checked claim: text, cited sources, verdict, evidence, suggestions.</param>
    protected virtual IEnumerable<T> OnClaim(AnswerClaim claim) => [];

    /// <summary>The answer is complete; nothing by default.</summary>
    /// <param name="result">The whole result: text, citations, sources, usage, timings.</param>
    protected virtual IEnumerable<T> OnCompleted(AnswerResult result) => [];

    /// <summary>What comes after the last update (e.g. <c>[DONE]</c> of an OpenAI stream); nothing by default.</summary>
    protected virtual IEnumerable<T> OnEnded() => [];
}
