using Microsoft.Extensions.AI;
using RagAssistant.Core;
using RagAssistant.Core.Answering;

namespace RagAssistant.Hosting.Application;

/// <summary>
/// The chat model the assistant answers with and the <see cref="IAnswerPipeline"/> over it: the pipeline composed at
/// start, replaced as one (client and pipeline together) when a chat model is switched to while running (a download
/// finished: answers go from retrieval-only to generated without a restart). An answer already running finishes on
/// the pipeline it started on. Thread-safe.
/// </summary>
public sealed class ChatModelRuntime : IAnswerPipeline
{
    private readonly Lazy<Current> _initial;
    private readonly Func<AnswerPipelineFactory> _pipelines;
    private Current? _switched;

    /// <summary>Creates the runtime; nothing is composed (and no model loaded) until the first question.</summary>
    /// <param name="initialPipeline">Creates the pipeline composed at start (over <paramref name="initialChat"/>).</param>
    /// <param name="initialChat">Creates the chat client at start, or returns null when there is none.</param>
    /// <param name="pipelines">Creates the factory that composes a pipeline over a chat model switched to.</param>
    public ChatModelRuntime(Func<IAnswerPipeline> initialPipeline, Func<IChatClient?> initialChat, Func<AnswerPipelineFactory> pipelines)
    {
        ArgumentNullException.ThrowIfNull(initialPipeline);
        ArgumentNullException.ThrowIfNull(initialChat);
        ArgumentNullException.ThrowIfNull(pipelines);
        _initial = new Lazy<Current>(() => new Current(initialChat(), initialPipeline()));
        _pipelines = pipelines;
    }

    /// <summary>The chat model new questions go to, or null when answers are retrieval-only.</summary>
    public IChatClient? ChatClient => Now.Chat;

    /// <summary>The pipeline new questions go to.</summary>
    public IAnswerPipeline Pipeline => Now.Pipeline;

    private Current Now => Volatile.Read(ref _switched) ?? _initial.Value;

    /// <inheritdoc/>
    public IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
        Pipeline.AnswerStreamingAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<AnswerResult> AnswerAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
        Pipeline.AnswerAsync(request, cancellationToken);

    /// <summary>Sends the next questions to a pipeline over <paramref name="chat"/> (same retriever, prompts, options and filters).</summary>
    /// <param name="chat">The chat model to answer with from now on.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <exception cref="ArgumentNullException"><paramref name="chat"/> or <paramref name="tokenizer"/> is null.</exception>
    public void SwitchTo(IChatClient chat, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Volatile.Write(ref _switched, new Current(chat, _pipelines().Create(chat, tokenizer)));
    }

    private sealed record Current(IChatClient? Chat, IAnswerPipeline Pipeline);
}
