using System.Globalization;
using System.Text.Json;

namespace RagAssistant.Core;

/// <summary>How a malformed JSON document or line is described to a user: the parser's reason and where.</summary>
public static class MalformedJson
{
    /// <summary>
    /// "'x' is an invalid start of a value, at line 3, character 2": the reason without System.Text.Json's
    /// "Path: $ | LineNumber: 0 | BytePositionInLine: 1." tail (zero-based and in bytes), the position one-based.
    /// </summary>
    /// <param name="exception">The parser's exception.</param>
    /// <param name="withLine">Whether to name the line (false for a one-line document such as a JSONL line, whose line the caller names).</param>
    public static string Describe(JsonException exception, bool withLine = true)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reason = exception.Message;
        foreach (var tail in new[] { " Path:", " LineNumber:" })
        {
            var at = reason.IndexOf(tail, StringComparison.Ordinal);
            if (at >= 0)
            {
                reason = reason[..at];
            }
        }

        reason = reason.TrimEnd(' ', '.');

        // A value of the wrong kind names a .NET type ("could not be converted to RagAssistant.Core.Evaluation.
        // EvalQuestion"): say which field instead, in the document's terms.
        if (reason.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal))
        {
            reason = exception.Path is null or "$" ? "not a JSON object" : $"\"{exception.Path.TrimStart('$', '.')}\" has the wrong type";
        }
        return (exception.LineNumber, exception.BytePositionInLine) switch
        {
            ({ } line, { } position) when withLine => string.Create(CultureInfo.InvariantCulture, $"{reason}, at line {line + 1}, character {position + 1}"),
            (_, { } position) => string.Create(CultureInfo.InvariantCulture, $"{reason}, at character {position + 1}"),
            _ => reason,
        };
    }
}
