using System.Text.Json;
using System.Text.Json.Serialization;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Service.Api;

/// <summary>Answer of <c>GET /api/conversations</c>: one page, most recently updated first.</summary>
/// <param name="Conversations">The page.</param>
/// <param name="Next">Pass it as <c>cursor</c> for the next page; null on the last.</param>
internal sealed record ConversationListResponse(IReadOnlyList<ConversationListItem> Conversations, string? Next);

/// <summary>One listed conversation.</summary>
/// <param name="Id">Its id, for <c>conversation_id</c> and <c>/api/conversations/{id}</c>.</param>
/// <param name="Title">Its title.</param>
/// <param name="Updated">When a turn or the title last changed (ISO 8601, UTC).</param>
/// <param name="TurnCount">How many turns it has.</param>
internal sealed record ConversationListItem(string Id, string Title, DateTimeOffset Updated, int TurnCount)
{
    public static ConversationListItem From(ConversationSummary summary) => new(summary.Id, summary.Title, summary.Updated, summary.TurnCount);
}

/// <summary>Answer of <c>GET /api/conversations/{id}</c>: the conversation with every turn, oldest first.</summary>
internal sealed record ConversationResponse(string Id, string Title, DateTimeOffset Created, DateTimeOffset Updated, IReadOnlyList<ConversationTurnResponse> Turns)
{
    public static ConversationResponse From(Conversation conversation) => new(
        conversation.Id,
        conversation.Title,
        conversation.Created,
        conversation.Updated,
        [.. conversation.Turns.Select(ConversationTurnResponse.From)]);
}

/// <summary>One turn.</summary>
/// <param name="Question">The question as asked.</param>
/// <param name="Answer">The answer object as <c>/api/ask</c> returned it; null when the answer did not complete.</param>
/// <param name="Status"><c>completed</c>, <c>cancelled</c>, <c>failed</c>, or <c>pending</c> (being answered, or the process stopped while it was).</param>
/// <param name="PartialAnswer">The text generated before a cancelled or failed answer stopped; absent otherwise.</param>
/// <param name="Error">Why a failed answer failed; absent otherwise.</param>
/// <param name="RetrievalQuery">The query retrieval ran (a follow-up rewritten to stand alone); absent when retrieval did not finish.</param>
internal sealed record ConversationTurnResponse(
    string Question,
    JsonElement? Answer,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PartialAnswer,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetrievalQuery)
{
    public static ConversationTurnResponse From(ConversationTurnRecord turn)
    {
        JsonElement? answer = null;
        if (turn.AnswerJson is not null)
        {
            using var document = JsonDocument.Parse(turn.AnswerJson);
            answer = document.RootElement.Clone();
        }

        return new ConversationTurnResponse(
            turn.Question,
            answer,
            turn.Status.ToString().ToLowerInvariant(),
            turn.Status == TurnStatus.Completed ? null : turn.AnswerText,
            turn.Error,
            turn.RetrievalQuery);
    }
}

/// <summary>Body of <c>PATCH /api/conversations/{id}</c>.</summary>
/// <param name="Title">The new title, 1 to <c>Conversations:MaxTitleChars</c> characters.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ConversationPatchRequest(string? Title)
{
    /// <summary>Shown in error messages.</summary>
    internal const string Example = """{"title": "Speculative decoding papers"}""";
}
