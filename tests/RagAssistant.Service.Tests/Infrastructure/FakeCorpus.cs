using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>Three papers, enough to search, cite and look up.</summary>
internal sealed class FakeCatalog : IPaperCatalog
{
    public IReadOnlyList<Paper> Papers { get; } =
    [
        new("speculative-decoding", "Fast Inference with Speculative Decoding", "A small draft model proposes tokens that a large model verifies in parallel.", "Feb 22, 2024", 3, "papers.txt", 1),
        new("mixture-of-experts", "Sparse Mixture of Experts at Scale", "Routing each token to a few experts grows capacity without growing compute.", "Mar 1, 2024", 5, "papers.txt", 9),
        new("retrieval-augmented", "Retrieval-Augmented Generation for Knowledge Tasks", "Retrieved passages ground the generator and reduce hallucination.", null, null, "more.jsonl", 2),
    ];

    public int Count => Papers.Count;

    public Paper? GetPaper(string id) => Papers.FirstOrDefault(p => p.Id == id);
}

/// <summary>An index whose build can be held open and counted.</summary>
internal sealed class FakeCorpusIndex : ICorpusIndex
{
    private int _builds;

    /// <summary>Builds wait for this; complete it to let them finish.</summary>
    public TaskCompletionSource BuildGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady { get; private set; }

    public int Builds => Volatile.Read(ref _builds);

    /// <summary>When set, builds throw this.</summary>
    public Exception? Failure { get; set; }

    public async Task<IndexReport> BuildAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await BuildGate.Task.WaitAsync(cancellationToken);
        Interlocked.Increment(ref _builds);
        if (Failure is not null)
        {
            throw Failure;
        }

        IsReady = true;
        return new IndexReport(3, 3, 0, 0, ["more.jsonl:7: malformed JSON line skipped"], false, TimeSpan.FromMilliseconds(12));
    }

    /// <summary>What <see cref="Embedding"/> reports; tests set it to show vectors pending.</summary>
    public EmbeddingProgress Embedding { get; set; } = EmbeddingProgress.None;

    public Task<IndexReport> WaitForVectorsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new IndexReport(3, 3, 0, 0, [], false, TimeSpan.Zero));
}
