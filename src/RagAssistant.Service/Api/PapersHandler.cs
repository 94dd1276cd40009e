using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Api;

/// <summary>
/// <c>GET /api/papers?query=&amp;offset=&amp;limit=</c>: the corpus as a paged list, for browsing. A query keeps the papers
/// whose title or text contains every one of its words (case-insensitive), those matching in the title first; ranked
/// search is <c>/api/search</c>.
/// </summary>
internal sealed class PapersHandler(IPaperCatalog catalog, AssistantReadiness readiness)
{
    /// <summary>Papers per page unless <c>limit</c> says otherwise.</summary>
    public const int DefaultLimit = 20;

    /// <summary>The largest page.</summary>
    public const int MaxLimit = 100;

    /// <summary>One page of papers, or 400 when offset or limit is out of range.</summary>
    public IResult List(string? query, long? offset, long? limit)
    {
        var skip = offset ?? 0;
        var take = limit ?? DefaultLimit;
        if (skip < 0)
        {
            return ApiProblems.BadRequest($"offset must be 0 or more, got {skip}.", "offset");
        }

        if (take is < 1 or > MaxLimit)
        {
            return ApiProblems.BadRequest($"limit must be between 1 and {MaxLimit}, got {take}.", "limit");
        }

        // Before the first index build the catalog is empty: say so as an empty list, not an error.
        IReadOnlyList<Paper> papers = readiness.HasIndex ? catalog.Papers : [];
        var words = (query ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var matches = words.Length == 0
            ? papers
            : [.. papers
                .Where(p => words.All(w => p.Title.Contains(w, StringComparison.OrdinalIgnoreCase) || p.Abstract.Contains(w, StringComparison.OrdinalIgnoreCase)))
                .OrderByDescending(p => words.Count(w => p.Title.Contains(w, StringComparison.OrdinalIgnoreCase)))];
        // An offset past int is past every corpus: an empty last page.
        var page = matches.Skip((int)Math.Min(skip, int.MaxValue)).Take((int)take).Select(p => new PaperListItem(p.Id, p.Title, p.Date, p.SourceFile) { FromListing = p.FromListing }).ToList();
        int? next = skip + page.Count < matches.Count ? (int)skip + page.Count : null;
        return TypedResults.Json(new PaperList(page, matches.Count, next), ServiceJsonContext.Default.PaperList);
    }
}

/// <summary>One page of <c>GET /api/papers</c>.</summary>
/// <param name="Papers">The papers of this page, in corpus order (title matches first when there is a query).</param>
/// <param name="Total">Papers matching the query in all.</param>
/// <param name="Next">The <c>offset</c> of the next page, or null on the last one.</param>
internal sealed record PaperList(IReadOnlyList<PaperListItem> Papers, int Total, int? Next);

/// <summary>A paper in a list: enough to show it and open it with <c>GET /api/papers/{id}</c>.</summary>
/// <param name="Id">The paper's id.</param>
/// <param name="Title">Its title.</param>
/// <param name="Date">Its date as the corpus gives it, or null.</param>
/// <param name="SourceFile">The file it was read from, relative to the corpus folder.</param>
internal sealed record PaperListItem(string Id, string Title, string? Date, string SourceFile)
{
    /// <summary>True for an entry of a paper-listing dump, whose file name says nothing about it (<see cref="Core.Ingestion.Paper.FromListing"/>): a page shows no file for it.</summary>
    public bool FromListing { get; init; }
}
