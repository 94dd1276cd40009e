using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Contract;
using RagAssistant.Service.Api;

namespace RagAssistant.Service.OpenAi;

// The subset of the OpenAI chat completions wire format that OpenAI clients need. Property names are snake_case:
// responses through ServiceJsonContext, request properties by name (binding uses ASP.NET Core's options). Honoured: messages, stream, stream_options.include_usage, max_tokens and
// max_completion_tokens. Other fields (model, temperature, top_p, stop, n, tools...) are ignored because the
// grounded pipeline decides how to generate; the README lists them.

/// <summary>
/// Body of <c>POST /v1/chat/completions</c>. Its shape (messages present, each a system, developer, user or assistant
/// message of text, the last from the user) is checked by the endpoint's validation before the handler runs; the
/// question's limits then by <see cref="AssistantService.Validate"/>.
/// </summary>
/// <param name="Model">The model the client names; ignored (the service answers with its own).</param>
/// <param name="Messages">The conversation, oldest first; the last user message is the question.</param>
/// <param name="Stream">True for server-sent events (chunks, then <c>[DONE]</c>); false for one JSON completion.</param>
/// <param name="StreamOptions">With <c>include_usage</c>, a last chunk carries the token usage.</param>
/// <param name="MaxTokens">Most answer tokens (OpenAI's older name); at least 1, capped at the server's limit (any larger whole number gets the limit).</param>
/// <param name="MaxCompletionTokens">Most answer tokens (OpenAI's current name); wins over <paramref name="MaxTokens"/>.</param>
public sealed record ChatCompletionRequest(
    string? Model,
    [property: Required(ErrorMessage = ChatCompletionRequest.MessagesMissing)]
    [property: MinLength(1, ErrorMessage = "messages is empty: " + ChatCompletionRequest.MessagesShape)]
    IReadOnlyList<ChatCompletionMessage>? Messages,
    bool Stream = false,
    [property: JsonPropertyName("stream_options")] ChatCompletionStreamOptions? StreamOptions = null,
    [property: JsonPropertyName("max_tokens"), JsonConverter(typeof(WholeNumberJsonConverter))] long? MaxTokens = null,
    [property: JsonPropertyName("max_completion_tokens"), JsonConverter(typeof(WholeNumberJsonConverter))] long? MaxCompletionTokens = null) : IValidatableObject
{
    /// <summary>Shown in error messages.</summary>
    internal const string Example = """{"model": "ragassistant", "messages": [{"role": "user", "content": "Which papers study speculative decoding?"}]}""";

    private const string MessagesShape = "send the conversation as an array ending with the question, each message a role (system, user or assistant) and its content.";
    private const string MessagesMissing = "messages is missing: " + MessagesShape;

    /// <summary>
    /// The question of these (validated) messages, checked against the question's limits: the last user message is
    /// the question, earlier user and assistant messages the history, system and developer messages are ignored (the
    /// grounded prompt is fixed).
    /// </summary>
    internal AskValidation ToQuestion(AssistantService assistant)
    {
        var conversation = Conversation();

        // max_completion_tokens wins when both are given, so the limit checked (and named) is the one that counts.
        var tokenLimit = MaxCompletionTokens is null ? (MaxTokens, "max_tokens") : (MaxCompletionTokens, "max_completion_tokens");
        var fields = new AskFieldNames(MaxAnswerTokens: tokenLimit.Item2);
        var validation = assistant.Validate(conversation[^1].Text, conversation[..^1], maxAnswerTokens: tokenLimit.Item1, fields: fields);

        // The question and its history are both read from messages: that is the field (OpenAI's param) at fault.
        return validation.Field == fields.Question || validation.Field == fields.History ? validation with { Field = "messages" } : validation;
    }

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Each message's own faults are its members' to report; the order is only judged over well-formed messages.
        if (Messages is { Count: > 0 } messages && messages.All(m => m?.Text is not null && m.ChatRole is not null))
        {
            var conversation = Conversation();
            if (conversation.Count == 0 || conversation[^1].Role != ChatRole.User)
            {
                yield return new ValidationResult("The last message must come from the user: it is the question to answer.", [nameof(Messages)]);
            }
        }
    }

    // The user and assistant messages, oldest first.
    private List<ChatMessage> Conversation() =>
        [.. (Messages ?? []).Where(m => m.ChatRole is { } role && role != ChatRole.System).Select(m => new ChatMessage(m.ChatRole!.Value, m.Text))];
}

/// <summary>A message; <see cref="Content"/> is a string or an array of <c>{"type": "text", "text": ...}</c> parts.</summary>
/// <param name="Role">system, developer, user or assistant (any case).</param>
/// <param name="Content">The text, or an array of text parts.</param>
public sealed record ChatCompletionMessage(
    [property: Required(ErrorMessage = ChatCompletionMessage.RoleMessage)]
    [property: RegularExpression("^(?i:system|developer|user|assistant)$", ErrorMessage = ChatCompletionMessage.RoleMessage)]
    string? Role,
    JsonElement Content) : IValidatableObject
{
    private const string RoleMessage = "role must be \"system\", \"user\" or \"assistant\".";

    /// <summary>The role as a chat role (developer is a system message); null when it is none of them.</summary>
    internal ChatRole? ChatRole => Role?.ToLowerInvariant() switch
    {
        "system" or "developer" => Microsoft.Extensions.AI.ChatRole.System,
        _ => AssistantService.TryParseRole(Role, out var role) ? role : null,
    };

    /// <summary>The text of the message, or null when the content is neither a string nor text parts.</summary>
    internal string? Text => Content.ValueKind switch
    {
        JsonValueKind.String => Content.GetString(),
        JsonValueKind.Array => string.Concat(Content.EnumerateArray()
            .Where(part => part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            .Select(part => part.GetProperty("text").GetString())),
        JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
        _ => null,
    };

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsText(Content))
        {
            yield return new ValidationResult("content " + RequestBodyProblems.LoneSurrogate, [nameof(Content)]);
        }
        else if (Text is null)
        {
            yield return new ValidationResult("content must be a string or an array of text parts.", [nameof(Content)]);
        }
    }

    // Content is read as raw JSON, so binding has not refused an escaped lone surrogate ("\ud800" without its pair) as
    // it does for a string field: JsonElement.GetString throws on it. Checked here, so Text never throws.
    private static bool IsText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return true;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }

            case JsonValueKind.Array:
                return element.EnumerateArray().All(IsText);
            case JsonValueKind.Object:
                return element.EnumerateObject().All(property => IsText(property.Value));
            default:
                return true;
        }
    }
}

/// <summary><c>stream_options</c>.</summary>
public sealed record ChatCompletionStreamOptions([property: JsonPropertyName("include_usage")] bool IncludeUsage = false);

/// <summary>
/// A non-streamed completion, with the answer's citations and sources in the extra <c>citations</c> and <c>sources</c>
/// fields, in the shape of <c>/api/ask</c> (<see cref="CitationDocument"/>, <see cref="SourceDocument"/>: <c>n</c>, rounded <c>score</c>),
/// and its checked claims in the extension fields <c>claims</c> and <c>grounding</c> (<see cref="ClaimDocument"/>, <see cref="GroundingDocument"/>).
/// </summary>
internal sealed record ChatCompletion(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    long Created,
    string Model,
    IReadOnlyList<ChatCompletionChoice> Choices,
    ChatCompletionUsage Usage,
    IReadOnlyList<CitationDocument> Citations,
    IReadOnlyList<SourceDocument> Sources)
{
    /// <summary>Extension: the answer's claims, each checked against its cited sources, as in <c>/api/ask</c>.</summary>
    public IReadOnlyList<ClaimDocument> Claims { get; init; } = [];

    /// <summary>Extension: how many claims got each verdict, as in <c>/api/ask</c>.</summary>
    public GroundingDocument? Grounding { get; init; }
}

/// <summary>One choice of a completion.</summary>
internal sealed record ChatCompletionChoice(int Index, ChatCompletionResponseMessage Message, string FinishReason);

/// <summary>The assistant message of a completion.</summary>
internal sealed record ChatCompletionResponseMessage(string Role, string Content);

/// <summary>Token usage, as OpenAI reports it: <c>prompt_tokens_details.cached_tokens</c> are the prompt tokens reused from the KV cache (left out when the runtime does not say).</summary>
internal sealed record ChatCompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails? PromptTokensDetails = null)
{
    internal static ChatCompletionUsage From(AnswerUsage usage) =>
        new(usage.PromptTokens, usage.CompletionTokens, usage.PromptTokens + usage.CompletionTokens, usage.CachedPromptTokens is { } cached ? new PromptTokensDetails(cached) : null);
}

/// <summary>OpenAI's breakdown of the prompt tokens.</summary>
/// <param name="CachedTokens">Prompt tokens reused from the KV cache (the <c>cached_prompt_tokens</c> of <c>/api/ask</c>).</param>
internal sealed record PromptTokensDetails(int CachedTokens);

/// <summary>One streamed chunk; the one with the finish reason carries the citations, sources, claims and grounding (as <see cref="ChatCompletion"/>), a final one the usage when asked for.</summary>
internal sealed record ChatCompletionChunk(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    long Created,
    string Model,
    IReadOnlyList<ChatCompletionChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ChatCompletionUsage? Usage = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CitationDocument>? Citations = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SourceDocument>? Sources = null)
{
    /// <summary>Extension, on the chunk with the finish reason: the answer's checked claims.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ClaimDocument>? Claims { get; init; }

    /// <summary>Extension, on the chunk with the finish reason: how many claims got each verdict.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GroundingDocument? Grounding { get; init; }
}

/// <summary>One choice of a streamed chunk.</summary>
internal sealed record ChatCompletionChunkChoice(int Index, ChatCompletionDelta Delta, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

/// <summary>What a chunk adds to the message.</summary>
internal sealed record ChatCompletionDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content = null);

/// <summary>Answer of <c>GET /v1/models</c>.</summary>
internal sealed record ModelList([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<ModelCard> Data);

/// <summary>One model of <c>GET /v1/models</c>.</summary>
internal sealed record ModelCard(string Id, [property: JsonPropertyName("object")] string ObjectType, long Created, string OwnedBy);

/// <summary>
/// OpenAI's error body, <c>{"error": {...}}</c>: every <c>/v1</c> error response (<see cref="OpenAiErrorWriter"/>),
/// and an error inside a stream, where a status code can no longer be sent.
/// </summary>
internal sealed record OpenAiError(OpenAiErrorBody Error);

/// <summary>The error of <see cref="OpenAiError"/>; <c>param</c> and <c>code</c> are written as null when unknown, as OpenAI does.</summary>
/// <param name="Message">What went wrong and what to do.</param>
/// <param name="Type">The kind of failure (<c>invalid_request_error</c>, <c>server_error</c>...).</param>
/// <param name="Param">The request field at fault, or null.</param>
/// <param name="Code">A short code (<c>rate_limit_exceeded</c>...), or null.</param>
internal sealed record OpenAiErrorBody(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code)
{
    /// <summary>Extension, when the model server failed mid-answer: the (incomplete) text it had sent; omitted otherwise.</summary>
    public string? PartialAnswer { get; init; }
}

/// <summary>The one model the OpenAI-compatible endpoints serve.</summary>
internal static class OpenAiModel
{
    /// <summary>The model id the service answers as.</summary>
    public const string Id = "ragassistant";
}
