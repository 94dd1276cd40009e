using Microsoft.Extensions.AI;
using RagAssistant.Hosting.Application;

namespace RagAssistant.Service.Api;

/// <summary>Body of <c>POST /api/ask</c>.</summary>
/// <param name="Question">The question, 1 to <c>Ask:MaxQuestionChars</c> characters.</param>
/// <param name="History">Earlier turns, oldest first; at most <c>Ask:MaxHistoryMessages</c>.</param>
/// <param name="TopK">How many sources to retrieve, 1 to <c>Ask:MaxTopK</c>; null uses <c>Retrieval:TopK</c>.</param>
public sealed record AskRequest(string? Question, IReadOnlyList<ConversationTurn>? History = null, int? TopK = null)
{
    /// <summary>Shown in error messages.</summary>
    internal const string Example = """{"question": "Which papers study speculative decoding?", "topK": 5}""";

    /// <summary>The history as chat messages, or why a turn is not one.</summary>
    internal List<ChatMessage>? ParseHistory(out string? error)
    {
        error = null;
        var history = new List<ChatMessage>();
        foreach (var (turn, i) in (History ?? []).Select((turn, i) => (turn, i)))
        {
            if (!AssistantService.TryParseRole(turn?.Role, out var role))
            {
                error = $"history[{i}].role must be \"user\" or \"assistant\", not \"{turn?.Role}\".";
                return null;
            }

            history.Add(new ChatMessage(role, turn!.Content ?? string.Empty));
        }

        return history;
    }
}

/// <summary>One earlier turn of the conversation.</summary>
/// <param name="Role">"user" or "assistant".</param>
/// <param name="Content">What was said.</param>
public sealed record ConversationTurn(string? Role, string? Content);
