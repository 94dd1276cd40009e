using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Core.Answering;

/// <summary>How questions are answered: prompts, budgets and the relevance threshold. Bound from "Answering", validated at start.</summary>
public sealed class AnsweringOptions : IValidatableObject
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Answering";

    /// <summary>
    /// Folder of the Semantic Kernel prompt templates (System, Answer, Rewrite). A relative path is resolved against
    /// the application's base directory first, then the current directory.
    /// </summary>
    [Required]
    public string PromptsFolder { get; set; } = "prompts";

    /// <summary>Tokens reserved for the answer; also passed to the model as its output limit.</summary>
    [Range(16, 32_768)]
    public int MaxAnswerTokens { get; set; } = 512;

    /// <summary>
    /// Below this <see cref="Retrieval.RetrievedPassage.RelevanceScore"/> of the best hit, the corpus is taken not to
    /// cover the question and the model is not called.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinRelevance { get; set; } = 0.15;

    /// <summary>
    /// Most tokens the numbered sources may take even when the context has room for more: on a CPU, prompt
    /// processing dominates the time to first token, so this bounds it.
    /// </summary>
    [Range(64, 1_048_576)]
    public int MaxSourceTokens { get; set; } = 3000;

    /// <summary>Sampling temperature of the answer.</summary>
    [Range(0.0, 2.0)]
    public float Temperature { get; set; } = 0.2f;

    /// <summary>
    /// Context size assumed when the chat model's <see cref="ITokenizer"/> does not know it, or none is registered (the model's own size wins otherwise).
    /// </summary>
    [Range(128, 1_048_576)]
    public int FallbackContextSize { get; set; } = 4096;

    /// <summary>Tokens added per chat message for the chat template's role markers, which the prompt text does not show.</summary>
    [Range(0, 256)]
    public int MessageOverheadTokens { get; set; } = 8;

    /// <summary>Earlier turns shown to the model when rewriting a follow-up question.</summary>
    [Range(1, 50)]
    public int MaxHistoryMessages { get; set; } = 6;

    /// <summary>Tokens the model may use for the standalone search query of a follow-up.</summary>
    [Range(8, 512)]
    public int MaxRewriteTokens { get; set; } = 64;

    /// <summary>
    /// The exact phrase the model is told to answer when the sources do not answer the question; recognised as a refusal.
    /// </summary>
    [Required]
    public string RefusalPhrase { get; set; } = "The provided sources do not answer this question.";

    /// <summary>Papers quoted in retrieval-only mode; a question asking which papers quotes every on-topic source, one sentence each.</summary>
    [Range(1, 20)]
    public int ExtractivePapers { get; set; } = 3;

    /// <summary>Sentences quoted per paper in retrieval-only mode.</summary>
    [Range(1, 10)]
    public int ExtractiveSentencesPerPaper { get; set; } = 2;

    /// <summary>The rules data annotations cannot express: the prompt templates exist and the refusal phrase has words.</summary>
    /// <param name="validationContext">The validation context (unused).</param>
    /// <returns>One result per broken rule, naming the setting.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A missing folder setting is reported by [Required] already.
        if (!string.IsNullOrWhiteSpace(PromptsFolder))
        {
            var folder = AnswerPromptTemplates.ResolveFolder(PromptsFolder);
            foreach (var prompt in new[] { AnswerPromptTemplates.SystemPrompt, AnswerPromptTemplates.AnswerPrompt, AnswerPromptTemplates.RewritePrompt })
            {
                var template = Path.Combine(folder, prompt, "skprompt.txt");
                if (!File.Exists(template))
                {
                    yield return new ValidationResult($"{SectionName}:{nameof(PromptsFolder)}: the prompt template '{template}' is missing.");
                }
            }
        }

        if (RefusalDetector.Normalize(RefusalPhrase ?? string.Empty).Length == 0)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(RefusalPhrase)} must contain words.");
        }
    }
}
