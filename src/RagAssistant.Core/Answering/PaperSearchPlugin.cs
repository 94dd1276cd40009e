using System.ComponentModel;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Retrieval as a Semantic Kernel plugin: the answer pipeline searches through <see cref="SearchFunctionName"/>, invoked
/// through its kernel with the <see cref="RetrievalQuery"/> itself as the argument, so function-invocation filters see
/// (and may inspect or replace) every search as typed values.
/// </summary>
/// <param name="retriever">The corpus search the function runs.</param>
public sealed class PaperSearchPlugin(IPaperRetriever retriever)
{
    /// <summary>The plugin's name in the kernel.</summary>
    public const string PluginName = "papers";

    /// <summary>The search function's name.</summary>
    public const string SearchFunctionName = "search_papers";

    private readonly IPaperRetriever _retriever = retriever ?? throw new ArgumentNullException(nameof(retriever));

    /// <summary>Searches the indexed papers with the configured retriever (hybrid by default).</summary>
    /// <param name="query">What to search for: the question or a follow-up's standalone rewrite, and for a follow-up that was not rewritten, the earlier question as its context.</param>
    /// <param name="topK">How many passages to return, at least 1; null uses <c>Retrieval:TopK</c>.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The ranked passages with their papers, the retriever that ran and why it differs from the one asked for.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [KernelFunction(SearchFunctionName)]
    [Description("Searches the indexed research papers and returns the most relevant passages with their papers.")]
    public Task<RetrievalResult> SearchAsync(
        [Description("What to search for, with the conversation's earlier question as optional context.")] RetrievalQuery query,
        [Description("How many passages to return; omit for the configured default.")] int? topK = null,
        CancellationToken cancellationToken = default) =>
        _retriever.SearchAsync(query ?? throw new ArgumentNullException(nameof(query)), topK, kind: null, cancellationToken);
}
