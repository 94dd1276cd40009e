using System.Text;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Answering;

/// <summary>A question to answer from the corpus.</summary>
/// <param name="Question">The user's question as typed.</param>
/// <param name="History">Earlier turns of the conversation (user and assistant messages), oldest first.</param>
/// <param name="TopK">How many sources to retrieve; null uses <c>Retrieval:TopK</c>, the retriever's default.</param>
public sealed record AnswerRequest(string Question, IReadOnlyList<ChatMessage>? History = null, int? TopK = null)
{
    /// <summary>
    /// Most tokens the model may write for this answer (at least 1); null, or more than the server allows
    /// (<see cref="AnsweringOptions.MaxAnswerTokens"/>, at most a quarter of the context), uses the server's limit.
    /// Extracted answers of retrieval-only mode are not generated and so are not limited.
    /// </summary>
    public int? MaxAnswerTokens { get; init; }
}

/// <summary>Why the answer text ended.</summary>
public enum AnswerFinishReason
{
    /// <summary>The answer is complete: the model stopped by itself, or the answer was not generated.</summary>
    Stop,

    /// <summary>The model was cut off at the answer's token limit: the text is incomplete.</summary>
    Length,
}

/// <summary>How the answer text was produced.</summary>
public enum AnswerMode
{
    /// <summary>Written by the chat model from the sources.</summary>
    Generated,

    /// <summary>Extracted sentences of the top papers; no chat model was used.</summary>
    RetrievalOnly,

    /// <summary>
    /// Neither: no source was relevant enough (<see cref="AnsweringOptions.MinRelevance"/>), so the answer is the fixed
    /// <see cref="AnswerPipeline.NotCoveredAnswer"/>, with no sources, no model call and no tokens; the result is refused.
    /// Whatever the assistant is configured for (<see cref="AnswerPipeline.Mode"/>), this is what actually happened.
    /// </summary>
    NotCovered,
}

/// <summary>A source offered to the model, numbered as in the prompt.</summary>
/// <param name="Number">The source's number in the prompt and its citations, 1-based, in ranking order.</param>
/// <param name="PaperId">The paper's id.</param>
/// <param name="Title">The paper's title.</param>
/// <param name="Date">The paper's date as the corpus gives it, or null.</param>
/// <param name="SourceFile">The corpus file holding the paper.</param>
/// <param name="Score">
/// The ranking score of the paper's best passage (<see cref="Retrieval.RetrievedPassage.Score"/>: fused for hybrid
/// search, BM25 or cosine for a single retriever; higher is better): sources are in descending order of it.
/// </param>
/// <param name="Text">The passage text offered to the model.</param>
public sealed record AnswerSource(int Number, string PaperId, string Title, string? Date, string SourceFile, double Score, string Text)
{
    private readonly double? _relevance;

    /// <summary>Every file holding this paper (identical copies are one source), <see cref="SourceFile"/> first.</summary>
    public IReadOnlyList<string> SourceFiles
    {
        get => field ?? [SourceFile];
        init;
    }

    /// <summary>True when the paper is an entry of a listing dump, whose file name does not identify it (<see cref="Ingestion.Paper.FromListing"/>).</summary>
    public bool FromListing { get; init; }

    /// <summary>
    /// What identifies the source to a reader, for a label: its date when known, and the file names of a user's own
    /// document (never a listing dump's file name); empty when there is neither.
    /// </summary>
    public string Label => string.Join(", ", new[] { Date, FromListing ? null : string.Join(", ", SourceFiles) }.Where(s => !string.IsNullOrEmpty(s)));

    /// <summary>
    /// The retrieval relevance in [0, 1] (the best of the paper's passages), the number the "not covered" gate compares
    /// with Answering:MinRelevance; not in ranking order. Unset, it is <see cref="Score"/>.
    /// </summary>
    public double Relevance
    {
        get => _relevance ?? Score;
        init => _relevance = value;
    }
}

/// <summary>A citation marker in the answer that points to an offered source.</summary>
public sealed record AnswerCitation(int Number, string PaperId, string Title);

/// <summary>Tokens used for the answer.</summary>
/// <param name="PromptTokens">Tokens of the prompt: the runtime's count when it reports one, else the packer's.</param>
/// <param name="CompletionTokens">Tokens the model wrote: the runtime's count when it reports one, else a re-count of the text.</param>
public sealed record AnswerUsage(int PromptTokens, int CompletionTokens)
{
    /// <summary>Prompt tokens the runtime reused from its KV cache instead of processing them again; null when it does not say.</summary>
    public int? CachedPromptTokens { get; init; }
}

/// <summary>Where the time went, in milliseconds.</summary>
/// <param name="RetrievalMs">The search itself.</param>
/// <param name="TimeToFirstTokenMs">From the start of the request to the first answer text: what the user waits.</param>
/// <param name="GenerationMs">From the first answer text to the end of the answer.</param>
/// <param name="TotalMs">The whole request.</param>
public sealed record AnswerTimings(double RetrievalMs, double TimeToFirstTokenMs, double GenerationMs, double TotalMs)
{
    /// <summary>Rewriting a follow-up into a standalone query (0 for a first question).</summary>
    public double RewriteMs { get; init; }

    /// <summary>From sending the prompt to the model to its first token: prompt processing (0 without a model).</summary>
    public double PromptMs { get; init; }

    /// <summary>The evidence check of the claims completed by the last token: what it added after the answer ended.</summary>
    public double EvidenceMs { get; init; }
}

/// <summary>The structured result of answering one question; every front end renders this.</summary>
public sealed record AnswerResult(
    string Question,
    string SearchQuery,
    string Answer,
    IReadOnlyList<AnswerCitation> Citations,
    IReadOnlyList<AnswerSource> Sources,
    IReadOnlyList<int> InvalidCitations,
    bool Refused,
    AnswerMode Mode,
    AnswerUsage Usage,
    AnswerTimings Timings)
{
    /// <summary>Why the answer text ended; <see cref="AnswerFinishReason.Length"/> when it was cut at the token limit.</summary>
    public AnswerFinishReason FinishReason { get; init; }

    /// <summary>
    /// The answer-token limit the model was given (<c>Answering:MaxAnswerTokens</c>, or less for a small context or a
    /// caller's own limit); null when the answer was not generated. An answer cut at <see cref="AnswerFinishReason.Length"/>
    /// with fewer tokens was stopped by the model server at a limit of its own.
    /// </summary>
    public int? AnswerTokenLimit { get; init; }

    /// <summary>Why retrieval ran differently than configured (e.g. BM25 only while the vectors are being computed), or null.</summary>
    public string? RetrievalNotice { get; init; }

    /// <summary>
    /// The answer's claims, each checked against the sources it cites (<see cref="IEvidenceChecker"/>), in order; empty
    /// when the answer makes none (a refusal, "not covered").
    /// </summary>
    public IReadOnlyList<AnswerClaim> Claims { get; init; } = [];

    /// <summary>How many of <see cref="Claims"/> got each verdict.</summary>
    public GroundingSummary Grounding => GroundingSummary.Of(Claims);

    /// <summary>
    /// True when the question was chat (a greeting or thanks, nothing to search: <see cref="Retrieval.RetrievalResult.IsChat"/>)
    /// and the answer is <see cref="AnswerPipeline.ChatReply"/>.
    /// </summary>
    public bool IsChat => Mode == AnswerMode.NotCovered && Answer == AnswerPipeline.ChatReply;
}

/// <summary>One step of a streamed answer.</summary>
public abstract record AnswerUpdate;

/// <summary>Retrieval finished; these sources will be offered to the model.</summary>
public sealed record SourcesRetrievedUpdate(string SearchQuery, IReadOnlyList<AnswerSource> Sources) : AnswerUpdate;

/// <summary>A piece of answer text, to show as it arrives.</summary>
public sealed record AnswerTextUpdate(string Text) : AnswerUpdate;

/// <summary>A claim of the answer is complete and checked: sent as soon as its sentence is, while the answer streams on.</summary>
public sealed record ClaimCheckedUpdate(AnswerClaim Claim) : AnswerUpdate;

/// <summary>The answer is complete.</summary>
public sealed record AnswerCompletedUpdate(AnswerResult Result) : AnswerUpdate
{
    /// <summary>
    /// The result of a streamed answer, for a caller that wants it whole (a JSON reply, a non-streamed completion). A
    /// model server that fails after some text (it closed the connection mid-answer) throws a
    /// <see cref="ModelServerException"/> that carries that text as <see cref="ModelServerException.PartialAnswer"/>:
    /// the text a streaming caller would have shown is not lost.
    /// </summary>
    /// <param name="updates">The answer stream.</param>
    /// <param name="cancellationToken">Stops reading the stream.</param>
    /// <returns>The completed answer.</returns>
    /// <exception cref="ModelServerException">The model server failed; with the text it sent, if any.</exception>
    /// <exception cref="InvalidOperationException">The stream ended without a result.</exception>
    public static async Task<AnswerResult> ResultOfAsync(IAsyncEnumerable<AnswerUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var text = new StringBuilder();
        try
        {
            await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                switch (update)
                {
                    case AnswerTextUpdate piece:
                        text.Append(piece.Text);
                        break;
                    case AnswerCompletedUpdate completed:
                        return completed.Result;
                }
            }
        }
        catch (ModelServerException ex) when (text.Length > 0)
        {
            throw new ModelServerException(ex.Message, ex) { PartialAnswer = text.ToString() };
        }

        throw new InvalidOperationException("The answer stream ended without a result.");
    }
}

/// <summary>Answers questions from the corpus with cited sources.</summary>
public interface IAnswerPipeline
{
    /// <summary>Streams the answer: sources first, then text pieces, then the complete result.</summary>
    IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, CancellationToken cancellationToken = default);

    /// <summary>Answers and returns the complete result.</summary>
    Task<AnswerResult> AnswerAsync(AnswerRequest request, CancellationToken cancellationToken = default);
}
