using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Http.HttpResults;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Service.Answering;

namespace RagAssistant.Service.Api;

/// <summary>
/// <c>POST /api/ask</c>: streams the answer as Server-Sent Events (<c>retrieved</c>, <c>token</c>* with a <c>claim</c> as each claim's sentence completes, <c>sources</c>, <c>done</c>, or
/// <c>error</c>), or returns the whole result as JSON when the client sends <c>Accept: application/json</c>. Both
/// speak <see cref="AnswerJson"/>: the <c>done</c> event carries the same object as the JSON answer and <c>ask --json</c>.
/// </summary>
/// <remarks>
/// Every answer is a turn of a stored conversation (<see cref="ConversationService"/>): <c>conversation_id</c>
/// continues one, with its history from the store; without it a conversation is created, titled after the question.
/// The answer object carries its <c>conversation_id</c>. A conversation created for a question that was then refused
/// (queue full, not ready) is removed again.
/// </remarks>
internal sealed class AskHandler(ConversationService conversations, AnswerEndpoint endpoint)
{
    public async Task<Results<ServerSentEventsResult<string>, ContentHttpResult, ProblemHttpResult, EmptyHttpResult>> HandleAsync(AskRequest body, HttpContext context)
    {
        ConversationAskValidation prepared;
        try
        {
            prepared = await conversations.PrepareAsync(body.ConversationId, body.Question, body.HistoryMessages(), body.TopK, cancellationToken: context.RequestAborted);
        }
        catch (ConversationStoreException ex)
        {
            return ApiProblems.Conversation(ex);
        }

        if (prepared.Ask is not { } ask)
        {
            return ApiProblems.BadRequest(prepared.Error!, prepared.Field);
        }

        context.Response.Headers[ConversationIdHeader] = ask.ConversationId;
        var result = await endpoint.AnswerAsync(
            context, AskValidation.Valid(ask.Request), stream: !WantsJson(context.Request), new AnswerEvents(ask.ConversationId), ct => conversations.AskStreamingAsync(ask, ct));
        if (body.ConversationId is null && result.Result is ProblemHttpResult or EmptyHttpResult)
        {
            await RemoveIfUnusedAsync(ask.ConversationId);
        }

        return result;
    }

    /// <summary>Response header naming the answer's conversation, there before the first event of a stream.</summary>
    internal const string ConversationIdHeader = "X-Conversation-Id";

    // Only a conversation the refused question created, and only while it has no turn.
    private async Task RemoveIfUnusedAsync(string id)
    {
        try
        {
            if (await conversations.Store.GetAsync(id, CancellationToken.None) is { Turns.Count: 0 })
            {
                await conversations.Store.DeleteAsync(id, CancellationToken.None);
            }
        }
        catch (ConversationStoreException)
        {
            // The refusal is what the client needs to hear; an empty conversation left over is harmless.
        }
    }

    private static bool WantsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            && !accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The <see cref="AnswerJson"/> events: <c>retrieved</c> once the sources are chosen, a <c>token</c> per text piece, a <c>claim</c> per checked claim, then <c>sources</c> and <c>done</c>.</summary>
    private sealed class AnswerEvents(string conversationId) : AnswerWireFormat<ContentHttpResult>
    {
        public override ContentHttpResult Complete(AnswerResult result) =>
            TypedResults.Text(ConversationService.ToAnswerJson(result, conversationId, indented: true), "application/json; charset=utf-8");

        public override SseItem<string> Failed(AnswerFailure failure) =>
            new(AnswerJson.SerializeErrorEvent(failure.Title, failure.Detail, failure.Status), AnswerJson.ErrorEvent);

        protected override IEnumerable<SseItem<string>> OnSourcesRetrieved(SourcesRetrievedUpdate update) =>
            [new(AnswerJson.SerializeRetrievedEvent(update), AnswerJson.RetrievedEvent)];

        protected override IEnumerable<SseItem<string>> OnText(string text) =>
            [new(AnswerJson.SerializeTokenEvent(text), AnswerJson.TokenEvent)];

        protected override IEnumerable<SseItem<string>> OnClaim(Core.Evidence.AnswerClaim claim) =>
            [new(AnswerJson.SerializeClaimEvent(claim), AnswerJson.ClaimEvent)];

        protected override IEnumerable<SseItem<string>> OnCompleted(AnswerResult result) =>
        [
            new(AnswerJson.SerializeSourcesEvent(result), AnswerJson.SourcesEvent),
            new(ConversationService.ToAnswerJson(result, conversationId, indented: false), AnswerJson.DoneEvent),
        ];
    }
}
