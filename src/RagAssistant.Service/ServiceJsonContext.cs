using System.Text.Json;
using System.Text.Json.Serialization;
using RagAssistant.Core.Corpus;
using RagAssistant.Service.Api;
using RagAssistant.Service.OpenAi;

namespace RagAssistant.Service;

/// <summary>
/// Source-generated JSON metadata for the bodies the service binds and the responses it writes besides answers
/// (those are <see cref="Core.Answering.AnswerJson"/>). Responses are written with these options: snake_case, like
/// <c>ask --json</c> and OpenAI. Bodies are bound through ASP.NET Core's JSON options, whose camelCase policy other
/// endpoints rely on, so every multi-word request property names its snake_case JSON name itself.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(AskRequest))]
[JsonSerializable(typeof(SearchRequest))]
[JsonSerializable(typeof(SearchResponse))]
[JsonSerializable(typeof(Paper))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(StreamError))]
[JsonSerializable(typeof(ConversationListResponse))]
[JsonSerializable(typeof(ConversationResponse))]
[JsonSerializable(typeof(ConversationPatchRequest))]
internal sealed partial class ServiceJsonContext : JsonSerializerContext;
