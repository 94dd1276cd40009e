using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using RagAssistant.Core.Answering;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// Answers "Answer to: QUESTION [1]." word by word, citing the first paper. Generation can be held after the first
/// token, slowed down, or made to fail, and it counts how many answers started, finished and were cancelled.
/// </summary>
internal sealed class FakeAnswerPipeline(FakeCatalog catalog) : IAnswerPipeline
{
    private int _started;
    private int _completed;
    private int _cancelled;

    /// <summary>When set, each answer waits for it after its first token.</summary>
    public TaskCompletionSource? HoldAfterFirstToken { get; set; }

    /// <summary>Released each time an answer has sent its first token.</summary>
    public SemaphoreSlim FirstTokenSent { get; } = new(0);

    public TimeSpan TokenDelay { get; set; } = TimeSpan.Zero;

    /// <summary>The server's answer-token limit, as Answering:MaxAnswerTokens would set it; null: none.</summary>
    public int? AnswerTokenLimit { get; set; }

    /// <summary>The requests answered, in order.</summary>
    public ConcurrentQueue<AnswerRequest> Requests { get; } = new();

    /// <summary>When set, answers throw this after their first token.</summary>
    public Exception? FailAfterFirstToken { get; set; }

    public int Started => Volatile.Read(ref _started);

    public int Completed => Volatile.Read(ref _completed);

    public int Cancelled => Volatile.Read(ref _cancelled);

    public static string AnswerFor(string question) => $"Answer to: {question} [1].";

    public async IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _started);
        Requests.Enqueue(request);
        var paper = catalog.Papers[0];
        var sources = new List<AnswerSource> { new(1, paper.Id, paper.Title, paper.Date, paper.SourceFile, 0.9, paper.Abstract) };
        yield return new SourcesRetrievedUpdate(request.Question, sources);

        var answer = AnswerFor(request.Question);
        var pieces = answer.Split(' ').Select((w, i) => i == 0 ? w : " " + w).ToList();

        // One word is one token here: the answer is cut at the smaller of the caller's and the server's limit.
        var limit = Math.Min(request.MaxAnswerTokens ?? int.MaxValue, AnswerTokenLimit ?? int.MaxValue);
        var cut = pieces.Count > limit;
        pieces = [.. pieces.Take(limit)];
        answer = string.Concat(pieces);
        var finished = false;
        try
        {
            for (var i = 0; i < pieces.Count; i++)
            {
                if (TokenDelay > TimeSpan.Zero)
                {
                    await Task.Delay(TokenDelay, cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                yield return new AnswerTextUpdate(pieces[i]);
                if (i == 0)
                {
                    FirstTokenSent.Release();
                    if (FailAfterFirstToken is { } failure)
                    {
                        throw failure;
                    }

                    if (HoldAfterFirstToken is { } hold)
                    {
                        await hold.Task.WaitAsync(cancellationToken);
                    }
                }
            }

            finished = true;
        }
        finally
        {
            if (!finished && cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _cancelled);
            }
        }

        Interlocked.Increment(ref _completed);
        yield return new AnswerCompletedUpdate(ResultFor(request.Question, answer, sources) with
        {
            FinishReason = cut ? AnswerFinishReason.Length : AnswerFinishReason.Stop,
        });
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

    private static AnswerResult ResultFor(string question, string answer, IReadOnlyList<AnswerSource> sources) => new(
        question,
        question,
        answer,
        [new AnswerCitation(1, sources[0].PaperId, sources[0].Title)],
        sources,
        [],
        Refused: false,
        AnswerMode.Generated,
        new AnswerUsage(42, answer.Split(' ').Length),
        new AnswerTimings(1, 2, 3, 6));
}
