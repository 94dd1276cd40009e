using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RagAssistant.Core.Retrieval;

/// <summary>Checks what data annotations cannot: relations between <see cref="RetrievalOptions"/> values.</summary>
internal sealed class RetrievalOptionsValidator : IValidateOptions<RetrievalOptions>
{
    public ValidateOptionsResult Validate(string? name, RetrievalOptions options)
    {
        var failures = new List<string>();
        if (options.PassageOverlapTokens >= options.PassageMaxTokens)
        {
            failures.Add($"Retrieval:PassageOverlapTokens ({options.PassageOverlapTokens}) must be smaller than Retrieval:PassageMaxTokens ({options.PassageMaxTokens}).");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"Retrieval:Mode must be one of {string.Join(", ", Enum.GetNames<RetrieverKind>())}.");
        }

        if (options.Bm25 is null)
        {
            failures.Add("Retrieval:Bm25 must not be null.");
        }
        else
        {
            // ValidateDataAnnotations does not descend into nested objects.
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options.Bm25, new ValidationContext(options.Bm25), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"Retrieval:Bm25: {r.ErrorMessage}"));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
