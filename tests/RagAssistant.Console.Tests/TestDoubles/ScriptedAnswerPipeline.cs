using System.Runtime.CompilerServices;
using RagAssistant.Core.Answering;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>An answer pipeline that streams a fixed answer in pieces, and records what it was asked.</summary>
internal sealed class ScriptedAnswerPipeline : IAnswerPipeline
{
    public static readonly IReadOnlyList<AnswerSource> Sources =
    [
        new(1, "paper-a", "Speculative Decoding at Scale", "Feb 22, 2024", "000_a.txt", 0.91, "We speed up decoding with a draft model."),
        new(2, "paper-b", "Sparse Attention Revisited", "Mar 1, 2024", "001_b.txt", 0.55, "Attention can be sparse."),
    ];

    public List<AnswerRequest> Requests { get; } = [];

    /// <summary>The answer, in the pieces it streams as (a citation marker split across pieces on purpose).</summary>
    public string[] Pieces { get; set; } = ["Draft models ", "speed up decoding [", "1]. See also [7]."];

    /// <summary>When set, the stream waits here after the first piece (to test cancellation).</summary>
    public TaskCompletionSource? HoldAfterFirstPiece { get; set; }

    /// <summary>Completes when the consumer asked for more after the first piece (so it has shown it).</summary>
    public TaskCompletionSource FirstPieceConsumed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? Failure { get; set; }

    public AnswerMode Mode { get; set; } = AnswerMode.Generated;

    public async IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        await Task.Yield();
        if (Failure is not null)
        {
            throw Failure;
        }

        yield return new SourcesRetrievedUpdate(request.Question, Sources);
        for (var i = 0; i < Pieces.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new AnswerTextUpdate(Pieces[i]);
            if (i == 0 && HoldAfterFirstPiece is not null)
            {
                FirstPieceConsumed.TrySetResult();
                await HoldAfterFirstPiece.Task.WaitAsync(cancellationToken);
            }
        }

        yield return new AnswerCompletedUpdate(Result(request));
    }

    public async Task<AnswerResult> AnswerAsync(AnswerRequest request, CancellationToken cancellationToken = default)
    {
        AnswerResult? result = null;
        await foreach (var update in AnswerStreamingAsync(request, cancellationToken))
        {
            if (update is AnswerCompletedUpdate completed)
            {
                result = completed.Result;
            }
        }

        return result!;
    }

    private AnswerResult Result(AnswerRequest request) => new(
        request.Question,
        request.Question,
        string.Concat(Pieces),
        [new AnswerCitation(1, "paper-a", "Speculative Decoding at Scale")],
        Sources,
        [7],
        Refused: false,
        Mode,
        new AnswerUsage(120, 12),
        new AnswerTimings(3, 40, 60, 105));
}
