using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Http.HttpResults;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Service.Answering;

namespace RagAssistant.Service.Api;

/// <summary>
/// <c>POST /api/ask</c>: streams the answer as Server-Sent Events (<c>token</c>* with a <c>claim</c> as each claim's sentence completes, <c>sources</c>, <c>done</c>, or
/// <c>error</c>), or returns the whole result as JSON when the client sends <c>Accept: application/json</c>. Both
/// speak <see cref="AnswerJson"/>: the <c>done</c> event carries the same object as the JSON answer and <c>ask --json</c>.
/// </summary>
internal sealed class AskHandler(AssistantService assistant, AnswerEndpoint endpoint)
{
    public Task<Results<ServerSentEventsResult<string>, ContentHttpResult, ProblemHttpResult, EmptyHttpResult>> HandleAsync(AskRequest body, HttpContext context) =>
        endpoint.AnswerAsync(context, body.Validate(assistant), stream: !WantsJson(context.Request), AnswerEvents.Instance);

    private static bool WantsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            && !accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The <see cref="AnswerJson"/> events: a <c>token</c> per text piece, a <c>claim</c> per checked claim, then <c>sources</c> and <c>done</c>.</summary>
    private sealed class AnswerEvents : AnswerWireFormat<ContentHttpResult>
    {
        public static AnswerEvents Instance { get; } = new();

        public override ContentHttpResult Complete(AnswerResult result) =>
            TypedResults.Text(AnswerJson.Serialize(result), "application/json; charset=utf-8");

        public override SseItem<string> Failed(AnswerFailure failure) =>
            new(AnswerJson.SerializeErrorEvent(failure.Title, failure.Detail, failure.Status), AnswerJson.ErrorEvent);

        protected override IEnumerable<SseItem<string>> OnText(string text) =>
            [new(AnswerJson.SerializeTokenEvent(text), AnswerJson.TokenEvent)];

        protected override IEnumerable<SseItem<string>> OnClaim(Core.Evidence.AnswerClaim claim) =>
            [new(AnswerJson.SerializeClaimEvent(claim), AnswerJson.ClaimEvent)];

        protected override IEnumerable<SseItem<string>> OnCompleted(AnswerResult result) =>
        [
            new(AnswerJson.SerializeSourcesEvent(result), AnswerJson.SourcesEvent),
            new(AnswerJson.SerializeEvent(result), AnswerJson.DoneEvent),
        ];
    }
}
