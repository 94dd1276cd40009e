using System.Text.RegularExpressions;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// The coarse clauses of a question: split at commas, semicolons, question and exclamation marks, and at
/// "and" / "while" / "whereas", keeping the parts of four words or more. A reworded question tends to name its paper
/// in its first clause and ask about the paper's results in the others ("Which shared test collection of close to a
/// thousand million tokens was proposed ..., and how far did the strongest systems beat the baseline?"), so hybrid
/// search embeds the first clause as its own signal (<see cref="RetrievalOptions.FirstClauseWeight"/>).
/// </summary>
internal static partial class QuestionClauses
{
    /// <summary>The question's clauses in order, or the question alone when it does not split into two or more.</summary>
    public static IReadOnlyList<string> Split(string question)
    {
        var parts = Boundary().Split(question).Select(p => p.Trim()).Where(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 4).ToList();
        return parts.Count >= 2 ? parts : [question];
    }

    /// <summary>The first of two or more clauses; null when the question is one clause (hybrid search then adds no clause signal).</summary>
    public static string? First(string question) => Split(question) is { Count: >= 2 } clauses ? clauses[0] : null;

    [GeneratedRegex(@"[,;?!]|\s(?:and|while|whereas)\s")]
    private static partial Regex Boundary();
}
