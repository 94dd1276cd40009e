using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Startup;

namespace RagAssistant.Hosting.Application;

/// <summary>
/// The one way into answering for every front end: checks a question against <see cref="AskOptions"/>, normalises
/// its history into an <see cref="AnswerRequest"/>, and runs it through the <see cref="IAnswerPipeline"/>. Front ends
/// only parse their input (arguments, a JSON body, OpenAI messages) and render the <see cref="AnswerUpdate"/> stream
/// or the <see cref="AnswerResult"/>; the wire shape of a result is <see cref="AnswerJson"/>.
/// </summary>
/// <param name="pipeline">Answers the checked questions.</param>
/// <param name="options">The limits on question, history and topK.</param>
/// <param name="readiness">The start-up's progress; null where no start-up runs (a front end over a ready pipeline).</param>
public sealed class AssistantService(IAnswerPipeline pipeline, IOptions<AskOptions> options, AssistantReadiness? readiness = null)
{
    /// <summary>The limits questions are checked against.</summary>
    public AskOptions Limits => options.Value;

    /// <summary>Where the start-up stands (models, index, notices), or null where none runs.</summary>
    public AssistantReadiness? Readiness => readiness;

    /// <summary>
    /// Why no question can be answered yet (<see cref="AssistantReadiness.NotReady"/>), or null when one can (or no
    /// start-up is tracked). Each front end words it (the service: 503 with Retry-After).
    /// </summary>
    public NotReadyReason? NotReady() => readiness?.NotReady();

    /// <summary>
    /// Checks a question and builds the pipeline request, or says what is wrong in a message the user can act on
    /// (it names the input as the front end calls it, and the setting of the limit, e.g. <c>Ask:MaxQuestionChars</c>).
    /// The one place the question's limits are checked: the pipeline trusts the request it builds. Never throws for bad input.
    /// </summary>
    /// <param name="question">The question as received; control characters and surrounding white space are removed.</param>
    /// <param name="history">Earlier user and assistant messages, oldest first; null for none. Messages without text are dropped.</param>
    /// <param name="topK">How many sources to retrieve, 1 to <see cref="AskOptions.MaxTopK"/>; null uses <c>Retrieval:TopK</c>.</param>
    /// <param name="maxAnswerTokens">Most tokens the answer may have, at least 1; null uses the server's limit (larger values are capped there).</param>
    /// <param name="fields">How the front end names these inputs in its messages; null for the API's (<see cref="AskFieldNames.Api"/>).</param>
    /// <returns>The request with the cleaned question and normalised history, or the error message.</returns>
    public AskValidation Validate(string? question, IEnumerable<ChatMessage>? history = null, long? topK = null, long? maxAnswerTokens = null, AskFieldNames? fields = null)
    {
        fields ??= AskFieldNames.Api;
        if (CheckText(question, fields.Question, out var text) is { } textError)
        {
            return AskValidation.Invalid(textError, fields.Question);
        }

        if (CheckTopK(topK, fields.TopK) is { } topKError)
        {
            return AskValidation.Invalid(topKError, fields.TopK);
        }

        if (CheckTokenLimit(maxAnswerTokens, fields.MaxAnswerTokens) is { } tokenError)
        {
            return AskValidation.Invalid(tokenError, fields.MaxAnswerTokens);
        }

        var turns = NormaliseHistory(history);
        if (turns.Count > Limits.MaxHistoryMessages)
        {
            return AskValidation.Invalid(
                $"The history has {turns.Count} messages; the limit is {Limits.MaxHistoryMessages} ({AskOptions.SectionName}:{nameof(AskOptions.MaxHistoryMessages)}). Send only the latest turns.",
                fields.History);
        }

        // Checked above: topK is within 1..MaxTopK; a token limit beyond int is capped at the server's limit all the same.
        return AskValidation.Valid(new AnswerRequest(text, turns, (int?)topK) { MaxAnswerTokens = maxAnswerTokens is { } tokens ? (int)Math.Min(tokens, int.MaxValue) : null });
    }

    /// <summary>
    /// Checks a search (retrieval without an answer) against the limits a question obeys: the text as
    /// <see cref="AskOptions.MaxQuestionChars"/>, the hit count as <see cref="AskOptions.MaxTopK"/>.
    /// </summary>
    /// <param name="text">The search text as received.</param>
    /// <param name="topK">How many hits, or null for <c>Retrieval:TopK</c>.</param>
    /// <param name="fields">How the front end names these inputs; null for the API's.</param>
    /// <returns>The cleaned search text, or what is wrong.</returns>
    public SearchValidation ValidateSearch(string? text, long? topK, AskFieldNames? fields = null)
    {
        fields ??= AskFieldNames.Api;
        if (CheckText(text, fields.Question, out var cleaned) is { } textError)
        {
            return new SearchValidation(null, textError, fields.Question);
        }

        return CheckTopK(topK, fields.TopK) is { } topKError ? new SearchValidation(null, topKError, fields.TopK) : new SearchValidation(cleaned, null);
    }

    /// <summary>
    /// Starts a conversation for a front end that keeps it (the console chat) rather than receiving its history with
    /// each question: the conversation records completed turns and sends the latest that fit.
    /// </summary>
    /// <returns>An empty conversation over this service.</returns>
    public AssistantConversation StartConversation() => new(this);

    // At most Ask:MaxHistoryMessages messages, the newest, oldest first.
    internal IReadOnlyList<ChatMessage> LatestHistory(IEnumerable<ChatMessage> history) =>
        [.. NormaliseHistory(history).TakeLast(Limits.MaxHistoryMessages)];

    /// <summary>Streams the answer: text pieces, then the complete result. Check the request with <see cref="Validate"/> first.</summary>
    /// <param name="request">A request from <see cref="Validate"/>.</param>
    /// <param name="cancellationToken">Stops retrieval and generation.</param>
    /// <returns>Answer text pieces as they are generated, then one update with the complete <see cref="AnswerResult"/>.</returns>
    /// <exception cref="ArgumentException">The request breaks the pipeline's own rules (it was not validated).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
        pipeline.AnswerStreamingAsync(request, cancellationToken);

    /// <summary>Answers and returns the complete result. Check the request with <see cref="Validate"/> first.</summary>
    /// <param name="request">A request from <see cref="Validate"/>.</param>
    /// <param name="cancellationToken">Stops retrieval and generation.</param>
    /// <returns>The answer, its sources and citations, usage and timings.</returns>
    /// <exception cref="ArgumentException">The request breaks the pipeline's own rules (it was not validated).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<AnswerResult> AskAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
        pipeline.AnswerAsync(request, cancellationToken);

    /// <summary>
    /// Maps a conversation role as the wire names it (<c>user</c>, <c>assistant</c>, any case) to a
    /// <see cref="ChatRole"/>; false for anything else.
    /// </summary>
    /// <param name="role">The role as received.</param>
    /// <param name="chatRole">The role; <c>default</c> when false is returned.</param>
    /// <returns>True for user and assistant.</returns>
    public static bool TryParseRole(string? role, out ChatRole chatRole)
    {
        chatRole = role?.ToLowerInvariant() switch
        {
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            _ => default,
        };
        return chatRole != default;
    }

    // Empty turns carry nothing for the follow-up rewriter or the prompt; only user and assistant turns are history.
    private static List<ChatMessage> NormaliseHistory(IEnumerable<ChatMessage>? history) =>
        [.. (history ?? []).Where(m => (m.Role == ChatRole.User || m.Role == ChatRole.Assistant) && !string.IsNullOrWhiteSpace(m.Text))
            .Select(m => new ChatMessage(m.Role, m.Text.Trim()))];

    // Control characters and escape sequences (line breaks and tabs aside) only confuse tokenizers and terminals:
    // removed before the text is measured, so a question of nothing but escapes is empty.
    private string? CheckText(string? text, string field, out string cleaned)
    {
        cleaned = ControlCharacters.Strip(text).Trim();
        if (cleaned.Length == 0)
        {
            return $"The {field} is empty: give the text of your {field}.";
        }

        return cleaned.Length > Limits.MaxQuestionChars
            ? string.Create(CultureInfo.InvariantCulture, $"The {field} is {cleaned.Length:N0} characters long; the limit is {Limits.MaxQuestionChars:N0} ({AskOptions.SectionName}:{nameof(AskOptions.MaxQuestionChars)}). Shorten it.")
            : null;
    }

    private string? CheckTopK(long? topK, string field) =>
        topK is < 1 || topK > Limits.MaxTopK
            ? $"{ValueRange.Between(field, 1, Limits.MaxTopK, topK)} The limit is {AskOptions.SectionName}:{nameof(AskOptions.MaxTopK)}."
            : null;

    // Larger values are fine: the pipeline caps them at the server's limit (Answering:MaxAnswerTokens).
    private static string? CheckTokenLimit(long? maxAnswerTokens, string field) =>
        maxAnswerTokens is < 1 ? $"{ValueRange.AtLeast(field, 1, maxAnswerTokens)} Leave it out to use the server's limit." : null;
}

/// <summary>A checked question: the request to answer, or the message that says what is wrong with it.</summary>
/// <param name="Request">The request to pass to <see cref="AssistantService.AskStreamingAsync"/>; null when invalid.</param>
/// <param name="Error">What is wrong and what to do; null when valid.</param>
/// <param name="Field">The input at fault, as <see cref="AskFieldNames"/> names it (<c>question</c>, <c>top_k</c>); null when valid or when no one input is.</param>
public readonly record struct AskValidation(AnswerRequest? Request, string? Error, string? Field = null)
{
    /// <summary>A valid question.</summary>
    /// <param name="request">The request to answer.</param>
    /// <returns>The validation with <see cref="Request"/> set.</returns>
    public static AskValidation Valid(AnswerRequest request) => new(request, null);

    /// <summary>An invalid question and why.</summary>
    /// <param name="error">What is wrong and what to do.</param>
    /// <param name="field">The input at fault, or null.</param>
    /// <returns>The validation with <see cref="Error"/> set.</returns>
    public static AskValidation Invalid(string error, string? field = null) => new(null, error, field);
}

/// <summary>A checked search: the cleaned text to search for, or the message that says what is wrong.</summary>
/// <param name="Text">The search text without control characters and surrounding white space; null when invalid.</param>
/// <param name="Error">What is wrong and what to do; null when valid.</param>
/// <param name="Field">The input at fault (<c>query</c>, <c>top_k</c>); null when valid.</param>
public readonly record struct SearchValidation(string? Text, string? Error, string? Field = null);

/// <summary>
/// How a front end names the inputs of a question, so <see cref="AssistantService"/>'s messages name what the user
/// typed: <c>top_k</c> in a request body, <c>--top-k</c> on the command line.
/// </summary>
/// <param name="Question">The question's (or search text's) name: <c>question</c>, <c>query</c>.</param>
/// <param name="TopK">The source count's name.</param>
/// <param name="MaxAnswerTokens">The answer token limit's name: <c>max_tokens</c>, <c>max_completion_tokens</c>.</param>
/// <param name="History">The earlier turns' name: <c>history</c>, <c>messages</c>.</param>
public sealed record AskFieldNames(string Question = "question", string TopK = "top_k", string MaxAnswerTokens = "max_tokens", string History = "history")
{
    /// <summary>The names of the HTTP API's bodies (snake_case).</summary>
    public static AskFieldNames Api { get; } = new();

    /// <summary>The names of the console's <c>ask</c> command.</summary>
    public static AskFieldNames CommandLine { get; } = new(TopK: "--top-k");
}
