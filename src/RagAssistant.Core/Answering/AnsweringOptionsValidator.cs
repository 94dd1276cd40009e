using Microsoft.Extensions.Options;

namespace RagAssistant.Core.Answering;

/// <summary>Start-up checks data annotations cannot express: the prompt templates exist and the refusal phrase has words.</summary>
internal sealed class AnsweringOptionsValidator : IValidateOptions<AnsweringOptions>
{
    public ValidateOptionsResult Validate(string? name, AnsweringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.PromptsFolder))
        {
            var folder = AnswerPromptTemplates.ResolveFolder(options.PromptsFolder);
            foreach (var prompt in new[] { AnswerPromptTemplates.SystemPrompt, AnswerPromptTemplates.AnswerPrompt, AnswerPromptTemplates.RewritePrompt })
            {
                var template = Path.Combine(folder, prompt, "skprompt.txt");
                if (!File.Exists(template))
                {
                    failures.Add($"{AnsweringOptions.SectionName}:{nameof(AnsweringOptions.PromptsFolder)}: the prompt template '{template}' is missing.");
                }
            }
        }

        if (RefusalDetector.Normalize(options.RefusalPhrase ?? string.Empty).Length == 0)
        {
            failures.Add($"{AnsweringOptions.SectionName}:{nameof(AnsweringOptions.RefusalPhrase)} must contain words.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
