using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Contract;
using RagAssistant.Service.Api;
using RagAssistant.Service.Documents;
using RagAssistant.Service.Health;
using RagAssistant.Service.OpenAi;
using RagAssistant.Service.Security;

namespace RagAssistant.Service;

/// <summary>Maps the service's HTTP endpoints.</summary>
internal static class EndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps /health, /api and the OpenAI-compatible /v1 endpoints, and their OpenAPI document at /openapi/v1.json.
    /// Request bodies are bound by minimal APIs and checked by their validation (<c>AddValidation</c>: the bodies'
    /// DataAnnotations); a bad body is answered by <see cref="RequestBodyProblems"/> with the endpoint's
    /// <see cref="RequestBodyExample"/>. Services are marked <see cref="FromServicesAttribute"/> so validation leaves them alone.
    /// </summary>
    public static IEndpointRouteBuilder MapRagAssistantEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The API's description (routes, request and response bodies), generated from these mappings.
        endpoints.MapOpenApi();

        // Live as soon as the process serves HTTP; ready only once the index and the models are loaded.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(AssistantReadinessCheck.ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,

            // Degraded is "still starting" (AssistantReadinessCheck): not ready either.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });

        // Every route under /api and /v1 reads the corpus, changes state or spends compute: a foreign page gets 403.
        var api = endpoints.MapGroup("/api").RefuseCrossSiteRequests();
        api.MapPost("/ask", ([FromBody] AskRequest request, AskHandler handler, HttpContext context) => handler.HandleAsync(request, context))
            .WithMetadata(new RequestBodyExample(AskRequest.Example))
            .Produces<AnswerDocument>(StatusCodes.Status200OK, "application/json");
        api.MapPost("/search", ([FromBody] SearchRequest request, SearchHandler handler, HttpContext context) => handler.HandleAsync(request, context))
            .WithMetadata(new RequestBodyExample(SearchRequest.Example))
            .Produces<SearchResponse>();
        api.MapGet("/papers/{id}", Results<JsonHttpResult<Paper>, ProblemHttpResult> (string id, [FromServices] IPaperCatalog catalog) => catalog.GetPaper(id) is { } paper
            ? TypedResults.Json(paper, ServiceJsonContext.Default.Paper)
            : ApiProblems.NotFound($"No paper has the id '{id}'. Paper ids come from /api/search hits and from the sources of an answer."))
            .Produces<Paper>();
        api.MapGet("/papers", (string? query, long? offset, long? limit, PapersHandler handler) => handler.List(query, offset, limit))
            .Produces<PaperList>();
        api.MapGet("/documents", (DocumentsHandler handler) => handler.List());
        api.MapPost("/documents", (DocumentsHandler handler, HttpContext context) => handler.UploadAsync(context));
        api.MapDelete("/documents/{name}", (string name, DocumentsHandler handler) => handler.Delete(name));
        api.MapGet("/status", (StatusHandler handler) => handler.GetStatus());

        // Stored conversations (/api/ask adds their turns); /v1/chat/completions stays stateless, as OpenAI clients expect.
        var conversations = api.MapGroup("/conversations");
        conversations.MapGet("/", (string? query, long? limit, string? cursor, ConversationsHandler handler, CancellationToken ct) => handler.ListAsync(query, limit, cursor, ct));
        conversations.MapGet("/{id}", (string id, ConversationsHandler handler, CancellationToken ct) => handler.GetAsync(id, ct));
        conversations.MapPatch("/{id}", (string id, [FromBody] ConversationPatchRequest body, ConversationsHandler handler, CancellationToken ct) => handler.RenameAsync(id, body, ct))
            .WithMetadata(new RequestBodyExample(ConversationPatchRequest.Example));
        conversations.MapDelete("/{id}", (string id, ConversationsHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct));
        conversations.MapGet("/{id}/export", (string id, ConversationsHandler handler, CancellationToken ct) => handler.ExportAsync(id, ct));

        // The service's way to fetch the offered chat model: in the background, progress in /api/status; once it is
        // verified the service loads it and answers with it, no restart. It takes a JSON body ({}), which an HTML form
        // cannot send, so a foreign page cannot start a 491 MB download even where a browser sends no Origin.
        endpoints.MapPost(StatusHandler.ChatModelDownloadPath, Results<Accepted<ChatModelDownloadProgress>, ProblemHttpResult> ([FromServices] ChatModelDownload download, HttpRequest request) =>
            !request.HasJsonContentType() ? ApiProblems.JsonBodyRequired(request, StatusHandler.ChatModelDownloadPath)
            : download.TryStart(out var refusal) ? TypedResults.Accepted("/api/status", download.Progress)
            : TypedResults.Problem(refusal, statusCode: StatusCodes.Status409Conflict, title: "Nothing to download"))
            .RefuseCrossSiteRequests();

        var openAi = endpoints.MapGroup("/v1").RefuseCrossSiteRequests();
        openAi.MapPost("/chat/completions", ([FromBody] ChatCompletionRequest request, ChatCompletionsHandler handler, HttpContext context) => handler.HandleAsync(request, context))
            .WithMetadata(new RequestBodyExample(ChatCompletionRequest.Example))
            .Produces<ChatCompletion>();
        openAi.MapGet("/models", (ChatCompletionsHandler handler) => handler.ListModels())
            .Produces<ModelList>();
        return endpoints;
    }
}
