using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using RagAssistant.Core.Answering;

namespace RagAssistant.Testing.Answering;

/// <summary>
/// An <see cref="IAnswerPipeline"/> for front-end tests (console, service): streams its sources, then the answer in
/// pieces, then the result built from them (markers naming an offered source are citations, others invalid). An
/// answer can fail before it starts or after its first piece, be held or slowed after its first piece, and be cut at
/// a token limit (one piece is one token); the pipeline records the requests and counts the answers that started,
/// finished and were cancelled.
/// </summary>
public sealed partial class FakeAnswerPipeline : IAnswerPipeline
{
    private int _started;
    private int _completed;
    private int _cancelled;

    /// <summary>Creates a pipeline that offers <paramref name="sources"/>, or <see cref="DefaultSources"/>.</summary>
    /// <param name="sources">The sources every answer offers, numbered from 1.</param>
    public FakeAnswerPipeline(IReadOnlyList<AnswerSource>? sources = null) => Sources = sources ?? DefaultSources;

    /// <summary>Two papers on decoding and attention.</summary>
    public static IReadOnlyList<AnswerSource> DefaultSources { get; } =
    [
        new(1, "paper-a", "Speculative Decoding at Scale", "Feb 22, 2024", "000_a.txt", 0.91, "We speed up decoding with a draft model."),
        new(2, "paper-b", "Sparse Attention Revisited", "Mar 1, 2024", "001_b.txt", 0.55, "Attention can be sparse."),
    ];

    /// <summary>The sources every answer offers.</summary>
    public IReadOnlyList<AnswerSource> Sources { get; }

    /// <summary>
    /// The answer, in the pieces it streams as: by default a valid citation marker split across pieces and a
    /// marker (<c>[7]</c>) that names no source.
    /// </summary>
    public IReadOnlyList<string> Pieces { get; set; } = ["Draft models ", "speed up decoding [", "1]. See also [7]."];

    /// <summary>When true, the answer is <see cref="AnswerFor"/> the question, word by word, instead of <see cref="Pieces"/>.</summary>
    public bool EchoQuestion { get; set; }

    /// <summary>How the answer was produced, as the result reports it.</summary>
    public AnswerMode Mode { get; set; } = AnswerMode.Generated;

    /// <summary>Whether the result says the papers do not answer the question.</summary>
    public bool Refused { get; set; }

    /// <summary>Prompt tokens the result reports as reused from the KV cache; null for a runtime that does not say.</summary>
    public int? CachedPromptTokens { get; set; }

    /// <summary>The server's answer-token limit, as <c>Answering:MaxAnswerTokens</c> would set it; null for none.</summary>
    public int? AnswerTokenLimit { get; set; }

    /// <summary>
    /// The limit the result says the assistant gave the model; null for the one it cuts at. Above <see cref="AnswerTokenLimit"/>,
    /// a cut answer was stopped by the model server at a limit of its own.
    /// </summary>
    public int? ReportedAnswerTokenLimit { get; set; }

    /// <summary>Why retrieval ran differently than configured (BM25 only while the vectors are computed), or null.</summary>
    public string? RetrievalNotice { get; set; }

    /// <summary>A pause before each piece.</summary>
    public TimeSpan TokenDelay { get; set; } = TimeSpan.Zero;

    /// <summary>When set, answers throw this before they start (no sources, no text).</summary>
    public Exception? Failure { get; set; }

    /// <summary>Checked claims to stream, each after the piece whose index it names, and to report in the result.</summary>
    public IReadOnlyList<(int AfterPiece, RagAssistant.Core.Evidence.AnswerClaim Claim)> Claims { get; set; } = [];

    /// <summary>When set, answers throw this after their first piece.</summary>
    public Exception? FailAfterFirstToken { get; set; }

    /// <summary>When set, each answer waits for it after its first piece.</summary>
    public TaskCompletionSource? HoldAfterFirstToken { get; set; }

    /// <summary>Released each time the consumer has taken an answer's first piece and asked for more.</summary>
    public SemaphoreSlim FirstTokenSent { get; } = new(0);

    /// <summary>The requests answered, in order.</summary>
    public ConcurrentQueue<AnswerRequest> Requests { get; } = new();

    /// <summary>Answers that started.</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Answers that streamed all their text.</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Answers cancelled before all their text was streamed.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>The answer when <see cref="EchoQuestion"/> is set: <c>Answer to: QUESTION [1].</c></summary>
    public static string AnswerFor(string question) => $"Answer to: {question} [1].";

    /// <inheritdoc/>
    public async IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _started);
        Requests.Enqueue(request);
        await Task.Yield();
        if (Failure is not null)
        {
            throw Failure;
        }

        yield return new SourcesRetrievedUpdate(request.Question, Sources);
        IReadOnlyList<string> pieces = EchoQuestion
            ? [.. AnswerFor(request.Question).Split(' ').Select((word, i) => i == 0 ? word : " " + word)]
            : Pieces;

        // The answer is cut at the smaller of the caller's and the server's limit.
        var limit = Math.Min(request.MaxAnswerTokens ?? int.MaxValue, AnswerTokenLimit ?? int.MaxValue);
        var cut = pieces.Count > limit;
        pieces = [.. pieces.Take(limit)];
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
                foreach (var (_, claim) in Claims.Where(c => c.AfterPiece == i))
                {
                    yield return new ClaimCheckedUpdate(claim);
                }

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
        yield return new AnswerCompletedUpdate(Result(request.Question, string.Concat(pieces), pieces.Count) with
        {
            FinishReason = cut ? AnswerFinishReason.Length : AnswerFinishReason.Stop,
            AnswerTokenLimit = ReportedAnswerTokenLimit ?? (limit == int.MaxValue ? null : limit),
            Claims = [.. Claims.Select(c => c.Claim)],
        });
    }

    /// <inheritdoc/>
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

    private AnswerResult Result(string question, string answer, int tokens)
    {
        var numbers = Marker().Matches(answer).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        var cited = Sources.Where(s => numbers.Contains(s.Number)).ToList();
        return new AnswerResult(
            question,
            question,
            answer,
            [.. cited.Select(s => new AnswerCitation(s.Number, s.PaperId, s.Title))],
            Sources,
            [.. numbers.Where(n => cited.All(s => s.Number != n))],
            Refused,
            Mode,
            new AnswerUsage(42, tokens) { CachedPromptTokens = CachedPromptTokens },
            new AnswerTimings(3, 40, 60, 105))
        {
            RetrievalNotice = RetrievalNotice,
        };
    }

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Marker();
}
