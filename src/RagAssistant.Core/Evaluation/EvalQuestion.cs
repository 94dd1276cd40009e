using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagAssistant.Core.Evaluation;

/// <summary>One question of an evaluation set (the dev.jsonl format).</summary>
/// <param name="Id">Question id ("d01").</param>
/// <param name="Question">The question text.</param>
/// <param name="GoldTitles">Titles of the papers that answer it; empty for unanswerable questions.</param>
/// <param name="Kind">lexical, paraphrase, multi or unanswerable.</param>
public sealed record EvalQuestion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("gold_titles")] IReadOnlyList<string> GoldTitles,
    [property: JsonPropertyName("kind")] string Kind)
{
    /// <summary>True when no paper of the corpus answers the question.</summary>
    [JsonIgnore]
    public bool IsUnanswerable => GoldTitles.Count == 0;

    /// <summary>Reads a question set; bad lines are reported with their line number in <paramref name="problems"/> and skipped.</summary>
    /// <param name="path">A JSONL file: one question per line ({"id", "question", "gold_titles", "kind"}).</param>
    /// <param name="problems">Receives one message per skipped line.</param>
    /// <returns>The questions, in file order; a missing id becomes "line{n}".</returns>
    /// <exception cref="ArgumentNullException"><paramref name="problems"/> is null.</exception>
    /// <exception cref="IOException"><paramref name="path"/> cannot be read (<see cref="FileNotFoundException"/> when it does not exist).</exception>
    public static IReadOnlyList<EvalQuestion> ReadSet(string path, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var questions = new List<EvalQuestion>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                var question = JsonSerializer.Deserialize(lines[i], EvaluationJsonContext.Default.EvalQuestion);
                if (question is null || string.IsNullOrWhiteSpace(question.Question) || question.GoldTitles is null)
                {
                    problems.Add($"{Path.GetFileName(path)}:{i + 1}: needs \"question\" and \"gold_titles\"; skipped");
                    continue;
                }

                questions.Add(question with { Id = question.Id ?? $"line{i + 1}", Kind = question.Kind ?? (question.GoldTitles.Count == 0 ? "unanswerable" : "unknown") });
            }
            catch (JsonException ex)
            {
                problems.Add($"{Path.GetFileName(path)}:{i + 1}: malformed JSON ({MalformedJson.Describe(ex, withLine: false)}); skipped");
            }
        }

        return questions;
    }
}
