using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Composes an <see cref="AnswerPipeline"/> over a given chat model with the application's retriever, prompts,
/// options, Semantic Kernel filters and logging: the one composition, used for the pipeline at start and by a runtime
/// that replaces the chat model while running (a model downloaded after start).
/// </summary>
/// <param name="retriever">Finds the passages an answer is grounded in.</param>
/// <param name="prompts">The system, answer and rewrite prompt templates.</param>
/// <param name="options">Answer limits and behaviour.</param>
/// <param name="assistantOptions">Whether answers are retrieval-only.</param>
/// <param name="logger">Logs retrieval and answer steps.</param>
/// <param name="functionFilters">Semantic Kernel filters that see every step.</param>
/// <param name="loggerFactory">Receives Semantic Kernel's own logs of each step, or null for none.</param>
/// <param name="embeddingGenerator">Scores retrieval-only quotes by sentence similarity, or null to score them by shared words.</param>
/// <param name="evidenceChecker">Checks each claim against its cited sources, or null to check by word overlap alone.</param>
/// <param name="sentenceVectors">The source sentences' vectors the index embedded, or null.</param>
public sealed class AnswerPipelineFactory(
    IPaperRetriever retriever,
    AnswerPromptTemplates prompts,
    IOptions<AnsweringOptions> options,
    IOptions<AssistantOptions> assistantOptions,
    ILogger<AnswerPipeline> logger,
    IEnumerable<IFunctionInvocationFilter> functionFilters,
    ILoggerFactory? loggerFactory = null,
    IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
    IEvidenceChecker? evidenceChecker = null,
    ISourceSentenceVectors? sentenceVectors = null)
{
    /// <summary>A new pipeline over <paramref name="chatClient"/>.</summary>
    /// <param name="chatClient">The chat model, or null for retrieval-only (extracted) answers.</param>
    /// <param name="tokenizer">The chat model's tokenizer, or null to estimate token counts.</param>
    /// <returns>The pipeline; the factory's collaborators are shared by every pipeline it makes.</returns>
    public AnswerPipeline Create(IChatClient? chatClient, ITokenizer? tokenizer) => new(
        retriever,
        prompts,
        options,
        assistantOptions,
        logger,
        chatClient,
        tokenizer,
        functionFilters,
        loggerFactory,
        embeddingGenerator,
        evidenceChecker,
        sentenceVectors);
}
