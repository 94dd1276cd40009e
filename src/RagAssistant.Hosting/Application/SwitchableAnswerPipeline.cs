using RagAssistant.Core.Answering;

namespace RagAssistant.Hosting.Application;

/// <summary>
/// The <see cref="IAnswerPipeline"/> the front ends answer with: Core's pipeline as composed at start, replaced by one
/// over the chat model once a background download has loaded it (<see cref="Startup.AssistantStartup.LoadDownloadedChatModelAsync"/>),
/// so answers switch from retrieval-only to generated without a restart. An answer already running finishes on the
/// pipeline it started on.
/// </summary>
/// <param name="initial">The pipeline composed at start.</param>
internal sealed class SwitchableAnswerPipeline(IAnswerPipeline initial) : IAnswerPipeline
{
    private IAnswerPipeline _current = initial;

    /// <summary>The pipeline new questions go to.</summary>
    public IAnswerPipeline Current => Volatile.Read(ref _current);

    public IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
        Current.AnswerStreamingAsync(request, cancellationToken);

    public Task<AnswerResult> AnswerAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
        Current.AnswerAsync(request, cancellationToken);

    /// <summary>Sends the next questions to <paramref name="next"/>.</summary>
    /// <param name="next">The pipeline to answer with from now on.</param>
    public void SwitchTo(IAnswerPipeline next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Volatile.Write(ref _current, next);
    }
}
