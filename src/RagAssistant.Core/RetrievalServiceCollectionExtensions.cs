using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;
using RagAssistant.Core.VectorStore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the corpus index, the retrievers and the vector store.</summary>
public static class RetrievalServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ICorpusIndex"/>, <see cref="IPaperCatalog"/>, <see cref="IPaperRetriever"/> (hybrid),
    /// <see cref="RetrievalEvaluator"/> and an in-memory <see cref="Microsoft.Extensions.VectorData.VectorStore"/>,
    /// with <see cref="CorpusOptions"/> ("Corpus") and <see cref="RetrievalOptions"/> ("Retrieval") validated at start.
    /// An <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> is optional: without one, retrieval is BM25 only.
    /// A keyed <see cref="ITokenizer"/> under <see cref="ITokenizer.EmbeddingKey"/> sizes passages, when registered; a
    /// keyed embedding generator under <see cref="RetrievalOptions.SecondDenseKey"/> is the second dense retriever,
    /// used while <see cref="RetrievalOptions.SecondDenseWeight"/> is above 0 (resolved only then).
    /// Registration does no I/O: the corpus is read when the index is first built.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application configuration (root); the sections are read from it.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddRagRetrieval(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<CorpusOptions>().Bind(configuration.GetSection(CorpusOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CorpusOptions>, CorpusOptionsValidator>());
        services.AddOptions<RetrievalOptions>().Bind(configuration.GetSection(RetrievalOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RetrievalOptions>, RetrievalOptionsValidator>());

        services.TryAddSingleton<Microsoft.Extensions.VectorData.VectorStore>(_ => new InMemoryVectorStore());
        services.TryAddSingleton(sp => new CorpusIndex(
            sp.GetRequiredService<IOptions<CorpusOptions>>(),
            sp.GetRequiredService<IOptions<RetrievalOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.VectorData.VectorStore>(),
            sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetKeyedService<ITokenizer>(ITokenizer.EmbeddingKey),
            sp.GetService<ILoggerFactory>(),
            SecondDense(sp)));
        services.TryAddSingleton<ICorpusIndex>(sp => sp.GetRequiredService<CorpusIndex>());
        services.TryAddSingleton<IPaperCatalog>(sp => sp.GetRequiredService<CorpusIndex>());
        services.TryAddSingleton<RagAssistant.Core.Evidence.ISourceSentenceVectors>(sp => sp.GetRequiredService<CorpusIndex>());
        services.TryAddSingleton(sp => new HybridPaperRetriever(
            sp.GetRequiredService<CorpusIndex>(),
            sp.GetRequiredService<IOptions<RetrievalOptions>>(),
            sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetService<ILogger<HybridPaperRetriever>>(),
            sp.GetService<IReranker>(),
            SecondDense(sp)));
        services.TryAddSingleton<IReranker>(sp => sp.GetRequiredService<IOptions<RetrievalOptions>>().Value.Reranker == RerankerKind.Llm
            ? new LlmReranker(sp, sp.GetRequiredService<IOptions<RetrievalOptions>>(), sp.GetService<ILogger<LlmReranker>>())
            : new RankOrderReranker());
        services.TryAddSingleton<IPaperRetriever>(sp => sp.GetRequiredService<HybridPaperRetriever>());
        services.TryAddSingleton(sp => new RetrievalEvaluator(
            sp.GetRequiredService<IPaperRetriever>(),
            sp.GetRequiredService<IPaperCatalog>(),
            sp.GetRequiredService<ICorpusIndex>()));
        return services;
    }

    // The second dense retriever, only where it is used: a weight of 0 (or DenseFirst fusion, which reads one cosine)
    // neither loads its model nor embeds the corpus twice.
    private static IEmbeddingGenerator<string, Embedding<float>>? SecondDense(IServiceProvider services) =>
        services.GetRequiredService<IOptions<RetrievalOptions>>().Value is { SecondDenseWeight: > 0, Fusion: not FusionMethod.DenseFirst } && services.GetService<IEmbeddingGenerator<string, Embedding<float>>>() is not null
            ? services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(RetrievalOptions.SecondDenseKey)
            : null;
}
