using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>Builds an <see cref="AnswerPipeline"/> over the repository's real prompt templates and test doubles.</summary>
internal static class PipelineHarness
{
    private static readonly Lazy<string> PromptsFolder = new(() => FindPromptsFolder());

    public static string Prompts => PromptsFolder.Value;

    /// <summary>Two hits on two papers, relevance 0.8 and 0.6: the density paper first, the experts survey second.</summary>
    public static RetrievedPassage[] TwoPapers { get; } =
    [
        FakeRetriever.Hit("Densing Law of LLMs", "Capacity density doubles roughly every three months.", 0.8, 1),
        FakeRetriever.Hit("A Survey on Mixture of Experts", "Routing picks experts per token.", 0.6, 2),
    ];

    public static AnswerPipeline Create(
        IPaperRetriever retriever,
        IChatClient? chatClient = null,
        ITokenizer? tokenizer = null,
        AnsweringOptions? options = null,
        bool retrievalOnly = false,
        IEnumerable<IFunctionInvocationFilter>? functionFilters = null,
        ILogger<AnswerPipeline>? logger = null)
    {
        return new AnswerPipeline(
            retriever,
            AnswerPromptTemplates.Load(Prompts),
            Options.Create(options ?? new AnsweringOptions()),
            Options.Create(new AssistantOptions { RetrievalOnly = retrievalOnly }),
            logger ?? NullLogger<AnswerPipeline>.Instance,
            chatClient,
            tokenizer,
            functionFilters);
    }

    public static async Task<List<AnswerUpdate>> CollectAsync(IAnswerPipeline pipeline, AnswerRequest request)
    {
        var updates = new List<AnswerUpdate>();
        await foreach (var update in pipeline.AnswerStreamingAsync(request, TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    // The repository's prompts/ folder: up from the test binaries, else up from this source file.
    private static string FindPromptsFolder([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? string.Empty })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "prompts");
                if (File.Exists(Path.Combine(candidate, AnswerPromptTemplates.SystemPrompt, "skprompt.txt")))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException("The repository's prompts/ folder was not found above " + AppContext.BaseDirectory);
    }
}
