using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Corpus;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>A retriever that returns fixed hits and records the queries it got.</summary>
internal sealed class FakeRetriever(IReadOnlyList<RetrievedPassage> hits) : IPaperRetriever
{
    public List<string> Queries { get; } = [];

    public List<int?> TopKs { get; } = [];

    /// <summary>The context of each search (a follow-up's earlier question), null for a standalone query.</summary>
    public List<string?> Contexts { get; } = [];

    public Task<RetrievalResult> SearchAsync(string query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default) =>
        SearchAsync(new RetrievalQuery(query), topK, kind, cancellationToken);

    public Task<RetrievalResult> SearchAsync(RetrievalQuery query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default)
    {
        Queries.Add(query.Text);
        Contexts.Add(query.Context);
        TopKs.Add(topK);
        return Task.FromResult(new RetrievalResult(query.Text, [.. hits.Take(topK ?? hits.Count)], RetrieverKind.Bm25, null));
    }

    public static RetrievedPassage Hit(string title, string text, double relevance, int rank = 1)
    {
        var id = "p-" + string.Join('-', title.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var paper = new Paper(id, title, text, "Jan 1, 2025", 3, "000_test.txt", rank * 2);
        return new RetrievedPassage(paper, new Passage(id + "#0", id, 0, text), relevance, relevance, rank, null);
    }
}

/// <summary>
/// A tokenizer counting one token per word and per punctuation mark, with a chosen context size; with
/// <paramref name="templateTokensPerMessage"/> it also counts a chat template's tokens exactly, as a runtime would.
/// </summary>
internal sealed class WordTokenizer(int contextSize, int? templateTokensPerMessage = null) : ITokenizer
{
    public int? ContextSize { get; } = contextSize;

    public int? CountPromptTokens(IReadOnlyList<ChatMessage> messages) =>
        templateTokensPerMessage is { } perMessage ? messages.Sum(m => CountTokens(m.Text) + perMessage) : null;

    public int CountTokens(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                count += inWord ? 0 : 1;
                inWord = true;
            }
            else
            {
                count += char.IsWhiteSpace(c) ? 0 : 1;
                inWord = false;
            }
        }

        return count;
    }
}
