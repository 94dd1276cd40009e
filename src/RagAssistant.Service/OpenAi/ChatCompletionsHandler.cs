using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Service.Answering;
using RagAssistant.Service.Api;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.OpenAi;

/// <summary>
/// OpenAI-compatible <c>POST /v1/chat/completions</c> and <c>GET /v1/models</c>, answering through the same grounded
/// pipeline and queue as /api/ask: the last user message is the question, earlier user/assistant messages the history,
/// system messages are ignored (the grounded prompt is fixed), <c>max_completion_tokens</c> (or <c>max_tokens</c>)
/// limits the answer up to the server's limit and <c>finish_reason</c> is <c>length</c> when it was cut there,
/// citations stay in the text and the sources come in the extra <c>sources</c> field.
/// </summary>
internal sealed partial class ChatCompletionsHandler(
    IAnswerPipeline pipeline,
    AnswerAdmission admission,
    JsonRequestReader reader,
    IOptions<ServiceOptions> options,
    TimeProvider timeProvider,
    ILogger<ChatCompletionsHandler> logger)
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
        var request = ToAnswerRequest(completion, options.Value, out var error);
        if (request is null)
        {
            return ApiProblems.BadRequest(error!);
        }

        var (answer, refusal) = await admission.AdmitAsync(context);
        if (answer is null)
        {
            return refusal!;
        }

        using (answer)
        {
            var id = $"chatcmpl-{Guid.NewGuid():N}";
            var created = timeProvider.GetUtcNow().ToUnixTimeSeconds();
            return completion.Stream
                ? await StreamAsync(request, completion.StreamOptions?.IncludeUsage ?? false, id, created, answer, context)
                : await CompleteAsync(request, id, created, answer);
        }
    }

    /// <summary>The pipeline request for these messages, or why they cannot be answered.</summary>
    internal static AnswerRequest? ToAnswerRequest(ChatCompletionRequest completion, ServiceOptions options, out string? error)
    {
        var messages = completion.Messages ?? [];
        var conversation = new List<ChatMessage>();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var text = message?.Text;
            if (text is null)
            {
                error = $"messages[{i}].content must be a string or an array of text parts.";
                return null;
            }

            if (string.Equals(message!.Role, "system", StringComparison.OrdinalIgnoreCase)
                || string.Equals(message.Role, "developer", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!ConversationTurn.TryGetRole(message.Role, out var role))
            {
                error = $"messages[{i}].role must be \"system\", \"user\" or \"assistant\", not \"{message.Role}\".";
                return null;
            }

            conversation.Add(new ChatMessage(role, text));
        }

        if (conversation.Count == 0 || conversation[^1].Role != ChatRole.User)
        {
            error = "The last message must come from the user: it is the question to answer.";
            return null;
        }

        var question = conversation[^1].Text;
        error = QuestionRules.Check(question, options)
            ?? QuestionRules.CheckHistory(conversation.Count - 1, options)
            ?? CheckTokenLimit("max_tokens", completion.MaxTokens)
            ?? CheckTokenLimit("max_completion_tokens", completion.MaxCompletionTokens);
        return error is null
            ? new AnswerRequest(question.Trim(), conversation[..^1]) { MaxAnswerTokens = completion.MaxCompletionTokens ?? completion.MaxTokens }
            : null;
    }

    // Larger values are fine: the pipeline caps them at the server's limit (Answering:MaxAnswerTokens).
    private static string? CheckTokenLimit(string field, int? value) =>
        value is < 1 ? $"{field} must be at least 1 (got {value}); leave it out to use the server's limit." : null;

    private static string FinishReason(AnswerResult result) => AnswerJson.FinishReasonName(result.FinishReason);

    private async Task<IResult> CompleteAsync(AnswerRequest request, string id, long created, AdmittedAnswer answer)
    {
        try
        {
            var result = await pipeline.AnswerAsync(request, answer.CancellationToken);
            var completion = new ChatCompletion(
                id,
                "chat.completion",
                created,
                OpenAiJson.ModelId,
                [new ChatCompletionChoice(0, new ChatCompletionResponseMessage("assistant", result.Answer), FinishReason(result))],
                ChatCompletionUsage.From(result.Usage),
                result.Citations,
                result.Sources);
            return Results.Json(completion, OpenAiJson.Options);
        }
        catch (OperationCanceledException) when (answer.CancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger, answer.CancelledByShutdown ? "shutdown" : answer.TimedOut ? "timed out" : "client disconnected");
            return answer.CancelledByShutdown ? ApiProblems.ShuttingDown()
                : answer.TimedOut ? ApiProblems.AnswerTimedOut(options.Value.AnswerTimeout)
                : Results.Empty;
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
            return ApiProblems.AnswerFailed($"The answer could not be produced: {ex.Message}");
        }
    }

    private async Task<IResult> StreamAsync(AnswerRequest request, bool includeUsage, string id, long created, AdmittedAnswer answer, HttpContext context)
    {
        var events = new ServerSentEventWriter(context.Response, OpenAiJson.Options);
        var token = answer.CancellationToken;
        ChatCompletionChunk Chunk(ChatCompletionDelta delta, string? finishReason) =>
            new(id, "chat.completion.chunk", created, OpenAiJson.ModelId, [new ChatCompletionChunkChoice(0, delta, finishReason)]);
        Task WriteAsync(ChatCompletionChunk chunk) => events.WriteDataAsync(JsonSerializer.Serialize(chunk, OpenAiJson.Options), token);

        try
        {
            await events.StartAsync(token);
            await WriteAsync(Chunk(new ChatCompletionDelta(Role: "assistant", Content: string.Empty), null));
            await foreach (var update in pipeline.AnswerStreamingAsync(request, token).WithCancellation(token))
            {
                switch (update)
                {
                    case AnswerTextUpdate text:
                        await WriteAsync(Chunk(new ChatCompletionDelta(Content: text.Text), null));
                        break;
                    case AnswerCompletedUpdate { Result: var result }:
                        await WriteAsync(Chunk(new ChatCompletionDelta(), FinishReason(result)) with { Citations = result.Citations, Sources = result.Sources });
                        if (includeUsage)
                        {
                            await WriteAsync(new ChatCompletionChunk(id, "chat.completion.chunk", created, OpenAiJson.ModelId, [], ChatCompletionUsage.From(result.Usage)));
                        }

                        break;
                }
            }

            await events.WriteDataAsync("[DONE]", token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            LogCancelled(logger, answer.CancelledByShutdown ? "shutdown" : answer.TimedOut ? "timed out" : "client disconnected");
            if (answer.CancelledByShutdown)
            {
                await TryWriteErrorAsync(events, "The service is shutting down; ask again once it is back.", StatusCodes.Status503ServiceUnavailable);
            }
            else if (answer.TimedOut)
            {
                await TryWriteErrorAsync(events, $"The answer took longer than {options.Value.AnswerTimeout} (Service:AnswerTimeout) and was stopped.", StatusCodes.Status504GatewayTimeout);
            }
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
            await TryWriteErrorAsync(events, $"The answer stopped: {ex.Message}", StatusCodes.Status500InternalServerError);
        }

        return Results.Empty;
    }

    private async Task TryWriteErrorAsync(ServerSentEventWriter events, string message, int status)
    {
        try
        {
            await events.WriteDataAsync(JsonSerializer.Serialize(new StreamError(new StreamErrorBody(message, "server_error", status)), OpenAiJson.Options), CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone: nobody is left to tell.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat completion cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat completion failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
