using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Application;
using RagAssistant.Service.Indexing;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Api;

/// <summary><c>POST /api/search</c>: retrieval only, no generation, so it does not wait in the answer queue.</summary>
internal sealed partial class SearchHandler(
    IPaperRetriever retriever,
    AssistantReadiness readiness,
    AssistantService assistant,
    IOptions<ServiceOptions> options,
    ILogger<SearchHandler> logger)
{
    public async Task<Results<JsonHttpResult<SearchResponse>, ProblemHttpResult, EmptyHttpResult>> HandleAsync(SearchRequest request, HttpContext context)
    {
        var search = assistant.ValidateSearch(request.Text, request.TopK, request.Question is null && request.Query is not null ? new AskFieldNames(Question: "query") : null);
        if (search.Text is not { } text)
        {
            return ApiProblems.BadRequest(search.Error!, search.Field);
        }

        if (readiness.NotSearchable() is { } notSearchable)
        {
            return ApiProblems.NotReady(context, notSearchable, options.Value.RetryAfterSeconds);
        }

        try
        {
            var result = await retriever.SearchAsync(text, (int?)request.TopK, request.Mode, context.RequestAborted);
            return TypedResults.Json(SearchResponse.From(result), ServiceJsonContext.Default.SearchResponse);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Empty;
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
            return TypedResults.Problem($"The search failed: {ex.Message}", statusCode: StatusCodes.Status500InternalServerError, title: "Search failed.");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Search failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
