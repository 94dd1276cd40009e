using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Service.Api;

/// <summary>
/// <c>/api/conversations</c>: the stored conversations, listed newest first with a title search, read whole, renamed,
/// deleted and exported as Markdown. A store that cannot be used answers with its problem (<see cref="ApiProblems.Conversation"/>).
/// </summary>
internal sealed class ConversationsHandler(ConversationService conversations)
{
    /// <summary>Largest page of the list.</summary>
    public const int MaxPageSize = 200;

    public async Task<Results<JsonHttpResult<ConversationListResponse>, ProblemHttpResult>> ListAsync(string? query, long? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return ApiProblems.BadRequest(ValueRange.Between("limit", 1, MaxPageSize, limit), "limit");
        }

        try
        {
            var page = await conversations.Store.ListAsync(query, (int?)limit ?? 50, cursor, cancellationToken);
            return TypedResults.Json(
                new ConversationListResponse([.. page.Conversations.Select(ConversationListItem.From)], page.Next),
                ServiceJsonContext.Default.ConversationListResponse);
        }
        catch (ArgumentException ex)
        {
            return ApiProblems.BadRequest(ex.MessageWithoutParameter(), "cursor");
        }
        catch (ConversationStoreException ex)
        {
            return ApiProblems.Conversation(ex);
        }
    }

    public async Task<Results<JsonHttpResult<ConversationResponse>, ProblemHttpResult>> GetAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await conversations.Store.GetAsync(id, cancellationToken) is { } conversation
                ? TypedResults.Json(ConversationResponse.From(conversation), ServiceJsonContext.Default.ConversationResponse)
                : ApiProblems.Conversation(SqlConversationStore.NotFound(id));
        }
        catch (ConversationStoreException ex)
        {
            return ApiProblems.Conversation(ex);
        }
    }

    public async Task<Results<JsonHttpResult<ConversationListItem>, ProblemHttpResult>> RenameAsync(string id, ConversationPatchRequest body, CancellationToken cancellationToken)
    {
        try
        {
            if (await conversations.RenameAsync(id, body.Title, cancellationToken: cancellationToken) is { } error)
            {
                return ApiProblems.BadRequest(error, "title");
            }

            var renamed = await conversations.Store.GetAsync(id, cancellationToken) ?? throw SqlConversationStore.NotFound(id);
            return TypedResults.Json(new ConversationListItem(renamed.Id, renamed.Title, renamed.Updated, renamed.Turns.Count), ServiceJsonContext.Default.ConversationListItem);
        }
        catch (ConversationStoreException ex)
        {
            return ApiProblems.Conversation(ex);
        }
    }

    public async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await conversations.Store.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : ApiProblems.Conversation(SqlConversationStore.NotFound(id));
        }
        catch (ConversationStoreException ex)
        {
            return ApiProblems.Conversation(ex);
        }
    }

    // A download named after the title (`curl -OJ` saves "Attention-heads.md"), as the console's /export names its file.
    public async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await conversations.ExportAsync(id, cancellationToken) is { } export
                ? TypedResults.File(Encoding.UTF8.GetBytes(export.Markdown), "text/markdown; charset=utf-8", export.FileName)
                : ApiProblems.Conversation(SqlConversationStore.NotFound(id));
        }
        catch (ConversationStoreException ex)
        {
            return ApiProblems.Conversation(ex);
        }
    }
}
