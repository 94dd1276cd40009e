using System.Text.Json;
using System.Text.Json.Serialization;
using RagAssistant.Core.Ingestion;
using RagAssistant.Hosting.Contract;
using RagAssistant.Service.Api;
using RagAssistant.Service.Documents;
using RagAssistant.Service.OpenAi;

namespace RagAssistant.Service;

/// <summary>
/// Source-generated JSON metadata for the bodies the service binds and the responses it writes besides answers
/// (those are <see cref="AnswerJson"/>). Every body follows one convention, that of <c>ask --json</c>
/// and OpenAI: snake_case property names and enum values, a null value left out, and a property sent twice refused (a property that OpenAI always
/// sends, such as <c>finish_reason</c>, says so itself). Bodies are bound, and the responses of endpoints that return
/// an object, written through ASP.NET Core's JSON options, which <see cref="UseServiceConventions"/> sets the same way.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict, AllowDuplicateProperties = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AskRequest))]
[JsonSerializable(typeof(SearchRequest))]
[JsonSerializable(typeof(SearchResponse))]
[JsonSerializable(typeof(Paper))]
[JsonSerializable(typeof(PaperList))]
[JsonSerializable(typeof(DocumentList))]
[JsonSerializable(typeof(DocumentUpload))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(OpenAiError))]
[JsonSerializable(typeof(ConversationListResponse))]
[JsonSerializable(typeof(ConversationResponse))]
[JsonSerializable(typeof(ConversationPatchRequest))]
internal sealed partial class ServiceJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Sets the service's one JSON convention on <paramref name="options"/> (ASP.NET Core's, for binding and for the
    /// endpoints that return an object): this context first, snake_case names and enum values, nulls left out.
    /// </summary>
    /// <param name="options">The options to change.</param>
    public static void UseServiceConventions(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TypeInfoResolverChain.Insert(0, Default);

        // Numbers are JSON numbers only (the web defaults would read "5" as 5, hiding a client's bug).
        options.NumberHandling = JsonNumberHandling.Strict;

        // A field sent twice ({"question": "a", "question": "b"}) is a client's bug: refused, not the last one kept.
        options.AllowDuplicateProperties = false;
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }
}
