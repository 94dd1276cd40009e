using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Testing.Retrieval;

/// <summary>
/// A retriever for tests of what is done with search results: fixed hits (<see cref="FakeRetriever(IReadOnlyList{RetrievedPassage})"/>)
/// or papers ranked by shared words (<see cref="RankingByWords"/>). Records the queries it got.
/// </summary>
public sealed class FakeRetriever : IPaperRetriever
{
    private readonly Func<string, int?, IReadOnlyList<RetrievedPassage>> _search;
    private readonly string? _denseNotice;

    /// <summary>Returns <paramref name="hits"/> in order, the first top k of them, for every query.</summary>
    /// <param name="hits">The hits, best first.</param>
    public FakeRetriever(IReadOnlyList<RetrievedPassage> hits)
        : this((_, topK) => [.. hits.Take(topK ?? hits.Count)], denseNotice: null)
    {
    }

    private FakeRetriever(Func<string, int?, IReadOnlyList<RetrievedPassage>> search, string? denseNotice)
    {
        _search = search;
        _denseNotice = denseNotice;
    }

    /// <summary>The text of each query, in order.</summary>
    public List<string> Queries { get; } = [];

    /// <summary>The top k asked with each query (null: the default).</summary>
    public List<int?> TopKs { get; } = [];

    /// <summary>The context of each search (a follow-up's earlier question), null for a standalone query.</summary>
    public List<string?> Contexts { get; } = [];

    /// <summary>
    /// Ranks <paramref name="papers"/> by how many query words their title and abstract contain (5 by default), as
    /// BM25 only: asked for another mode, the result carries the notice "no embedding model: BM25 only".
    /// </summary>
    /// <param name="papers">The corpus.</param>
    public static FakeRetriever RankingByWords(IReadOnlyList<Paper> papers) => new(
        (query, topK) =>
        {
            var words = query.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return [.. papers
                .Select(p => (Paper: p, Score: words.Count(w => (p.Title + " " + p.Abstract).Contains(w, StringComparison.OrdinalIgnoreCase))))
                .Where(x => x.Score > 0)
                .OrderByDescending(x => x.Score)
                .Take(topK ?? 5)
                .Select((x, i) => new RetrievedPassage(x.Paper, new Passage(x.Paper.Id + "#0", x.Paper.Id, 0, x.Paper.Abstract), x.Score, 0.5, i + 1, null))];
        },
        "no embedding model: BM25 only");

    /// <summary>A hit on a one-passage paper whose id is made from <paramref name="title"/>.</summary>
    public static RetrievedPassage Hit(string title, string text, double relevance, int rank = 1)
    {
        var id = "p-" + string.Join('-', title.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var paper = new Paper(id, title, text, "Jan 1, 2025", 3, "000_test.txt", rank * 2);
        return new RetrievedPassage(paper, new Passage(id + "#0", id, 0, text), relevance, relevance, rank, null);
    }

    /// <inheritdoc />
    public Task<RetrievalResult> SearchAsync(string query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default) =>
        SearchAsync(new RetrievalQuery(query), topK, kind, cancellationToken);

    /// <inheritdoc />
    public Task<RetrievalResult> SearchAsync(RetrievalQuery query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (Queries)
        {
            Queries.Add(query.Text);
            Contexts.Add(query.Context);
            TopKs.Add(topK);
        }

        var notice = kind is RetrieverKind.Bm25 or null ? null : _denseNotice;
        return Task.FromResult(new RetrievalResult(query.Text, _search(query.Text, topK), RetrieverKind.Bm25, notice));
    }
}
