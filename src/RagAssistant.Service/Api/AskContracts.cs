using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Api;

/// <summary>Body of <c>POST /api/ask</c>.</summary>
public sealed record AskRequest(string? Question, IReadOnlyList<ConversationTurn>? History = null, int? TopK = null)
{
    /// <summary>Shown in error messages.</summary>
    internal const string Example = """{"question": "Which papers study speculative decoding?", "topK": 5}""";

    /// <summary>The pipeline request, or why this request cannot be answered.</summary>
    internal AnswerRequest? ToAnswerRequest(ServiceOptions options, out string? error)
    {
        error = QuestionRules.Check(Question, options) ?? QuestionRules.CheckTopK(TopK, options);
        if (error is not null)
        {
            return null;
        }

        var history = new List<ChatMessage>();
        foreach (var (turn, i) in (History ?? []).Select((turn, i) => (turn, i)))
        {
            if (!ConversationTurn.TryGetRole(turn?.Role, out var role))
            {
                error = $"history[{i}].role must be \"user\" or \"assistant\", not \"{turn?.Role}\".";
                return null;
            }

            history.Add(new ChatMessage(role, turn!.Content ?? string.Empty));
        }

        error = QuestionRules.CheckHistory(history.Count, options);
        return error is null ? new AnswerRequest(Question!.Trim(), history, TopK) : null;
    }
}

/// <summary>One earlier turn of the conversation.</summary>
/// <param name="Role">"user" or "assistant".</param>
public sealed record ConversationTurn(string? Role, string? Content)
{
    internal static bool TryGetRole(string? role, out ChatRole chatRole)
    {
        chatRole = role?.ToLowerInvariant() switch
        {
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            _ => default,
        };
        return chatRole != default;
    }
}

/// <summary>The limits every question obeys, whichever endpoint it comes through.</summary>
internal static class QuestionRules
{
    /// <param name="field">The JSON property the text came from, named in the message.</param>
    public static string? Check(string? text, ServiceOptions options, string field = "question")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return $"The {field} is empty. Send {{\"{field}\": \"...\"}} with the text of your {field}.";
        }

        return text.Length > options.MaxQuestionChars
            ? $"The {field} is {text.Length} characters long; the limit is {options.MaxQuestionChars} (Service:MaxQuestionChars). Shorten it."
            : null;
    }

    public static string? CheckTopK(int? topK, ServiceOptions options) =>
        topK is < 1 || topK > options.MaxTopK
            ? $"topK must be between 1 and {options.MaxTopK} (Service:MaxTopK), not {topK}."
            : null;

    public static string? CheckHistory(int turns, ServiceOptions options) =>
        turns > options.MaxHistoryMessages
            ? $"The history has {turns} messages; the limit is {options.MaxHistoryMessages} (Service:MaxHistoryMessages). Send only the latest turns."
            : null;
}

/// <summary>Payload of the <c>token</c> event: a piece of answer text.</summary>
public sealed record TokenEvent(string Text);

/// <summary>Payload of the <c>sources</c> event: what the answer cites and every source it was offered.</summary>
public sealed record SourcesEvent(
    string SearchQuery,
    IReadOnlyList<AnswerCitation> Citations,
    IReadOnlyList<AnswerSource> Sources,
    IReadOnlyList<int> InvalidCitations,
    bool Refused,
    AnswerMode Mode);

/// <summary>
/// Payload of the <c>done</c> event: the question answered, the full answer text, why it ended (<c>stop</c>, or
/// <c>length</c> when cut at the token limit), token usage and timings.
/// </summary>
public sealed record DoneEvent(string Question, string Answer, string FinishReason, AnswerUsage Usage, AnswerTimings Timings);

/// <summary>Payload of the <c>error</c> event: the answer stopped and why.</summary>
public sealed record ErrorEvent(string Title, string Detail, int Status);
