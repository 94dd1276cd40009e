using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using RagAssistant.Hosting.Application;

namespace RagAssistant.Service.Api;

/// <summary>
/// Body of <c>POST /api/ask</c>, snake_case like every body of the API (<c>top_k</c>). A property the API does not
/// know is refused (400), so a misspelt <c>topK</c> is not silently ignored.
/// </summary>
/// <param name="Question">The question, 1 to <c>Ask:MaxQuestionChars</c> characters.</param>
/// <param name="History">Earlier turns, oldest first; at most <c>Ask:MaxHistoryMessages</c>. Refused (400) with <c>conversation_id</c>, even empty.</param>
/// <param name="TopK">How many sources to retrieve, 1 to <c>Ask:MaxTopK</c>; null uses <c>Retrieval:TopK</c>.</param>
/// <param name="ConversationId">The stored conversation to continue (its history comes from the store); null starts a new one.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AskRequest(
    string? Question,
    IReadOnlyList<ConversationTurn>? History = null,
    [property: JsonPropertyName("top_k"), JsonConverter(typeof(WholeNumberJsonConverter))] long? TopK = null,
    [property: JsonPropertyName("conversation_id")] string? ConversationId = null)
{
    /// <summary>Shown in error messages.</summary>
    internal const string Example = """{"question": "Which papers study speculative decoding?", "top_k": 5, "conversation_id": "(optional: from an earlier answer)"}""";

    /// <summary>The history as chat messages (the endpoint's validation has checked each role); null when none was sent.</summary>
    internal List<ChatMessage>? HistoryMessages() => History is null ? null :
        [.. History.Select(turn => new ChatMessage(AssistantService.TryParseRole(turn.Role, out var role) ? role : ChatRole.User, turn.Content ?? string.Empty))];
}

/// <summary>One earlier turn of the conversation.</summary>
/// <param name="Role">"user" or "assistant" (any case).</param>
/// <param name="Content">What was said.</param>
/// <remarks>Unknown fields are refused, as in <see cref="AskRequest"/>: a misspelt <c>contnet</c> must not send an empty turn.</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConversationTurn(
    [property: Required(ErrorMessage = ConversationTurn.RoleMessage)]
    [property: RegularExpression("^(?i:user|assistant)$", ErrorMessage = ConversationTurn.RoleMessage)]
    string? Role,
    string? Content)
{
    private const string RoleMessage = "role must be \"user\" or \"assistant\".";
}
