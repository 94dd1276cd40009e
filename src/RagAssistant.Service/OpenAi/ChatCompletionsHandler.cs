using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Service.Answering;
using RagAssistant.Service.Api;

namespace RagAssistant.Service.OpenAi;

/// <summary>
/// OpenAI-compatible <c>POST /v1/chat/completions</c> and <c>GET /v1/models</c>, answering through the same grounded
/// pipeline and queue as /api/ask: the last user message is the question, earlier user/assistant messages the history,
/// system messages are ignored (the grounded prompt is fixed), <c>max_completion_tokens</c> (or <c>max_tokens</c>)
/// limits the answer up to the server's limit and <c>finish_reason</c> is <c>length</c> when it was cut there,
/// citations stay in the text and the sources come in the extra <c>sources</c> field.
/// </summary>
internal sealed class ChatCompletionsHandler(
    AssistantService assistant,
    AnswerEndpoint endpoint,
    JsonRequestReader reader,
    TimeProvider timeProvider)
{
    public ModelList ListModels() =>
        new("list", [new ModelCard(OpenAiJson.ModelId, "model", timeProvider.GetUtcNow().ToUnixTimeSeconds(), "ragassistant")]);

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var body = await reader.ReadAsync<ChatCompletionRequest>(context.Request, ChatCompletionRequest.Example, OpenAiJson.Options);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var completion = body.Value!;
        var validation = ToAnswerRequest(completion, assistant);
        if (validation.Request is not { } request)
        {
            return ApiProblems.BadRequest(validation.Error!);
        }

        var id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        return completion.Stream
            ? await endpoint.StreamAsync(
                context,
                token => ChunksAsync(request, completion.StreamOptions?.IncludeUsage ?? false, id, created, token),
                failure => Data(new StreamError(new StreamErrorBody(failure.Detail, "server_error", failure.Status))))
            : await endpoint.CompleteAsync(context, async token =>
            {
                var result = await assistant.AskAsync(request, token);
                return Results.Json(
                    new ChatCompletion(
                        id,
                        "chat.completion",
                        created,
                        OpenAiJson.ModelId,
                        [new ChatCompletionChoice(0, new ChatCompletionResponseMessage("assistant", result.Answer), FinishReason(result))],
                        ChatCompletionUsage.From(result.Usage),
                        result.Citations,
                        result.Sources),
                    OpenAiJson.Options);
            });
    }

    /// <summary>The checked request for these messages, or why they cannot be answered.</summary>
    internal static AskValidation ToAnswerRequest(ChatCompletionRequest completion, AssistantService assistant)
    {
        var messages = completion.Messages ?? [];
        var conversation = new List<ChatMessage>();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var text = message?.Text;
            if (text is null)
            {
                return AskValidation.Invalid($"messages[{i}].content must be a string or an array of text parts.");
            }

            if (string.Equals(message!.Role, "system", StringComparison.OrdinalIgnoreCase)
                || string.Equals(message.Role, "developer", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!AssistantService.TryParseRole(message.Role, out var role))
            {
                return AskValidation.Invalid($"messages[{i}].role must be \"system\", \"user\" or \"assistant\", not \"{message.Role}\".");
            }

            conversation.Add(new ChatMessage(role, text));
        }

        if (conversation.Count == 0 || conversation[^1].Role != ChatRole.User)
        {
            return AskValidation.Invalid("The last message must come from the user: it is the question to answer.");
        }

        if (completion.MaxTokens is < 1)
        {
            return AskValidation.Invalid($"max_tokens must be at least 1 (got {completion.MaxTokens}); leave it out to use the server's limit.");
        }

        if (completion.MaxCompletionTokens is < 1)
        {
            return AskValidation.Invalid($"max_completion_tokens must be at least 1 (got {completion.MaxCompletionTokens}); leave it out to use the server's limit.");
        }

        return assistant.Validate(conversation[^1].Text, conversation[..^1], maxAnswerTokens: completion.MaxCompletionTokens ?? completion.MaxTokens);
    }

    private static string FinishReason(AnswerResult result) => AnswerJson.FinishReasonName(result.FinishReason);

    // OpenAI streams are unnamed events, each one JSON object, ended by "[DONE]".
    private static SseItem<string> Data<T>(T payload) => new(JsonSerializer.Serialize(payload, OpenAiJson.Options));

    private async IAsyncEnumerable<SseItem<string>> ChunksAsync(
        AnswerRequest request, bool includeUsage, string id, long created, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ChatCompletionChunk Chunk(ChatCompletionDelta delta, string? finishReason) =>
            new(id, "chat.completion.chunk", created, OpenAiJson.ModelId, [new ChatCompletionChunkChoice(0, delta, finishReason)]);

        yield return Data(Chunk(new ChatCompletionDelta(Role: "assistant", Content: string.Empty), null));
        await foreach (var update in assistant.AskStreamingAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
            switch (update)
            {
                case AnswerTextUpdate text:
                    yield return Data(Chunk(new ChatCompletionDelta(Content: text.Text), null));
                    break;
                case AnswerCompletedUpdate { Result: var result }:
                    yield return Data(Chunk(new ChatCompletionDelta(), FinishReason(result)) with { Citations = result.Citations, Sources = result.Sources });
                    if (includeUsage)
                    {
                        yield return Data(new ChatCompletionChunk(id, "chat.completion.chunk", created, OpenAiJson.ModelId, [], ChatCompletionUsage.From(result.Usage)));
                    }

                    break;
            }
        }

        yield return new SseItem<string>("[DONE]");
    }
}
