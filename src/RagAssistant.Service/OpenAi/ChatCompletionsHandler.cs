using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Contract;
using RagAssistant.Service.Answering;

namespace RagAssistant.Service.OpenAi;

/// <summary>
/// OpenAI-compatible <c>POST /v1/chat/completions</c> and <c>GET /v1/models</c>, answering through the same grounded
/// pipeline and queue as /api/ask (<see cref="ChatCompletionRequest.ToQuestion"/> says how messages become a question):
/// <c>max_completion_tokens</c> (or <c>max_tokens</c>) limits the answer up to the server's limit and
/// <c>finish_reason</c> is <c>length</c> when it was cut there, citations stay in the text and the extra
/// <c>citations</c>, <c>sources</c>, <c>claims</c> and <c>grounding</c> fields are /api/ask's (<see cref="AnswerJson.ToDocument(AnswerResult)"/>).
/// </summary>
internal sealed class ChatCompletionsHandler(AssistantService assistant, AnswerEndpoint endpoint, TimeProvider timeProvider)
{
    public JsonHttpResult<ModelList> ListModels() => TypedResults.Json(
        new ModelList("list", [new ModelCard(OpenAiModel.Id, "model", timeProvider.GetUtcNow().ToUnixTimeSeconds(), "ragassistant")]),
        ServiceJsonContext.Default.ModelList);

    public Task<Results<ServerSentEventsResult<string>, JsonHttpResult<ChatCompletion>, ProblemHttpResult, EmptyHttpResult>> HandleAsync(ChatCompletionRequest completion, HttpContext context) =>
        endpoint.AnswerAsync(
            context,
            completion.ToQuestion(assistant),
            completion.Stream,
            new CompletionFormat($"chatcmpl-{Guid.NewGuid():N}", timeProvider.GetUtcNow().ToUnixTimeSeconds(), completion.StreamOptions?.IncludeUsage ?? false));

    /// <summary>
    /// One completion, whole or as OpenAI streams it: unnamed events of one JSON chunk each (the role, the text
    /// pieces, the finish reason with the sources, the usage when asked for), ended by <c>[DONE]</c>.
    /// </summary>
    private sealed class CompletionFormat(string id, long created, bool includeUsage) : AnswerWireFormat<JsonHttpResult<ChatCompletion>>
    {
        public override JsonHttpResult<ChatCompletion> Complete(AnswerResult result)
        {
            // Citations and sources as /api/ask writes them: one mapping (and one rounding of the score) for both APIs.
            var document = AnswerJson.ToDocument(result);
            return TypedResults.Json(
                new ChatCompletion(
                    id,
                    "chat.completion",
                    created,
                    OpenAiModel.Id,
                    [new ChatCompletionChoice(0, new ChatCompletionResponseMessage("assistant", result.Answer), document.FinishReason)],
                    ChatCompletionUsage.From(result.Usage),
                    document.Citations,
                    document.Sources)
                {
                    Claims = document.Claims,
                    Grounding = document.Grounding,
                },
                ServiceJsonContext.Default.ChatCompletion);
        }

        public override SseItem<string> Failed(AnswerFailure failure) =>
            Data(new OpenAiError(new OpenAiErrorBody(failure.Detail, OpenAiErrorWriter.TypeOf(failure.Status), Param: null, OpenAiErrorWriter.CodeOf(failure.Status))), ServiceJsonContext.Default.OpenAiError);

        protected override IEnumerable<SseItem<string>> OnStarted() => [Chunk(new ChatCompletionDelta(Role: "assistant", Content: string.Empty), null)];

        protected override IEnumerable<SseItem<string>> OnText(string text) => [Chunk(new ChatCompletionDelta(Content: text), null)];

        protected override IEnumerable<SseItem<string>> OnCompleted(AnswerResult result)
        {
            yield return Chunk(new ChatCompletionDelta(), AnswerJson.FinishReasonName(result.FinishReason), result);
            if (includeUsage)
            {
                yield return Data(
                    new ChatCompletionChunk(id, "chat.completion.chunk", created, OpenAiModel.Id, [], ChatCompletionUsage.From(result.Usage)),
                    ServiceJsonContext.Default.ChatCompletionChunk);
            }
        }

        protected override IEnumerable<SseItem<string>> OnEnded() => [new("[DONE]")];

        private SseItem<string> Chunk(ChatCompletionDelta delta, string? finishReason, AnswerResult? result = null)
        {
            var document = result is null ? null : AnswerJson.ToDocument(result);
            return Data(
                new ChatCompletionChunk(id, "chat.completion.chunk", created, OpenAiModel.Id, [new ChatCompletionChunkChoice(0, delta, finishReason)])
                {
                    Citations = document?.Citations,
                    Sources = document?.Sources,
                    Claims = document?.Claims,
                    Grounding = document?.Grounding,
                },
                ServiceJsonContext.Default.ChatCompletionChunk);
        }

        private static SseItem<string> Data<T>(T payload, JsonTypeInfo<T> typeInfo) => new(JsonSerializer.Serialize(payload, typeInfo));
    }
}
