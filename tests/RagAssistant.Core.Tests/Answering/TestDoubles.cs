using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Corpus;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>An <see cref="IChatClient"/> that replies with scripted pieces, in call order, and records what it was sent.</summary>
internal sealed class ScriptedChatClient(params string[][] replies) : IChatClient
{
    private readonly Queue<string[]> _replies = new(replies);

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    public UsageDetails? Usage { get; init; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            text.Append(update.Text);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Add(([.. messages], options));
        var pieces = _replies.Count > 0 ? _replies.Dequeue() : throw new InvalidOperationException("No scripted reply left.");
        foreach (var piece in pieces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
        }

        if (Usage is not null)
        {
            yield return new ChatResponseUpdate { Contents = [new UsageContent(Usage)], FinishReason = ChatFinishReason.Stop };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>A retriever that returns fixed hits and records the queries it got.</summary>
internal sealed class FakeRetriever(IReadOnlyList<RetrievedPassage> hits) : IPaperRetriever
{
    public List<string> Queries { get; } = [];

    public Task<RetrievalResult> SearchAsync(string query, int? topK = null, RetrieverKind? kind = null, CancellationToken cancellationToken = default)
    {
        Queries.Add(query);
        return Task.FromResult(new RetrievalResult(query, [.. hits.Take(topK ?? hits.Count)], RetrieverKind.Bm25, null));
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
internal sealed class WordTokenizer(int contextSize, int? templateTokensPerMessage = null) : IChatTokenizer
{
    public int ContextSize { get; } = contextSize;

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
