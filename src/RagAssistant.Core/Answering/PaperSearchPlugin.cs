using System.ComponentModel;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Retrieval as a Semantic Kernel plugin: the answer pipeline searches through <see cref="SearchFunctionName"/>, invoked
/// through its kernel, so function-invocation filters see (and may inspect or replace) every search.
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
    /// <param name="query">What to search for: the question, or a follow-up's standalone rewrite.</param>
    /// <param name="topK">How many passages to return, at least 1; null uses <c>Retrieval:TopK</c>.</param>
    /// <param name="context">A follow-up's earlier user question, weighing less than <paramref name="query"/>; null for a standalone query.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The ranked passages with their papers, the retriever that ran and why it differs from the one asked for.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [KernelFunction(SearchFunctionName)]
    [Description("Searches the indexed research papers and returns the most relevant passages with their papers.")]
    public Task<RetrievalResult> SearchAsync(
        [Description("What to search for.")] string query,
        [Description("How many passages to return; omit for the configured default.")] int? topK = null,
        [Description("The conversation's earlier question, weighing less than the query; omit for a standalone query.")] string? context = null,
        CancellationToken cancellationToken = default) =>
        context is null
            ? _retriever.SearchAsync(query, topK, kind: null, cancellationToken)
            : _retriever.SearchAsync(new RetrievalQuery(query, context), topK, kind: null, cancellationToken);
}
