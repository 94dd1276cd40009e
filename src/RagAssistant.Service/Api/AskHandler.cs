using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Service.Answering;

namespace RagAssistant.Service.Api;

/// <summary>
/// <c>POST /api/ask</c>: streams the answer as Server-Sent Events (<c>token</c>*, <c>sources</c>, <c>done</c>, or
/// <c>error</c>), or returns the whole result as JSON when the client sends <c>Accept: application/json</c>. Both
/// speak <see cref="AnswerJson"/>: the <c>done</c> event carries the same object as the JSON answer and <c>ask --json</c>.
/// </summary>
internal sealed class AskHandler(AssistantService assistant, AnswerEndpoint endpoint, JsonRequestReader reader)
{
    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var body = await reader.ReadAsync<AskRequest>(context.Request, AskRequest.Example);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var history = body.Value!.ParseHistory(out var historyError);
        var validation = history is null ? AskValidation.Invalid(historyError!) : assistant.Validate(body.Value.Question, history, body.Value.TopK);
        if (validation.Request is not { } request)
        {
            return ApiProblems.BadRequest(validation.Error!);
        }

        return WantsJson(context.Request)
            ? await endpoint.CompleteAsync(context, async token =>
                Results.Text(AnswerJson.Serialize(await assistant.AskAsync(request, token)), "application/json; charset=utf-8"))
            : await endpoint.StreamAsync(
                context,
                token => EventsAsync(request, token),
                failure => new SseItem<string>(AnswerJson.SerializeErrorEvent(failure.Title, failure.Detail, failure.Status), AnswerJson.ErrorEvent));
    }

    private static bool WantsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            && !accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
    }

    private async IAsyncEnumerable<SseItem<string>> EventsAsync(AnswerRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var update in assistant.AskStreamingAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
            switch (update)
            {
                case AnswerTextUpdate text:
                    yield return new SseItem<string>(AnswerJson.SerializeTokenEvent(text.Text), AnswerJson.TokenEvent);
                    break;
                case AnswerCompletedUpdate { Result: var result }:
                    yield return new SseItem<string>(AnswerJson.SerializeSourcesEvent(result), AnswerJson.SourcesEvent);
                    yield return new SseItem<string>(AnswerJson.SerializeEvent(result), AnswerJson.DoneEvent);
                    break;
            }
        }
    }
}
