using System.Text.Json;

namespace RagAssistant.Core.Tests;

public sealed class MalformedJsonTests
{
    [Theory]
    [InlineData("not json", true, "at line 1, character ")]
    [InlineData("{\"question\": \"a\",\n  \"gold_titles\": [1,}", true, "at line 2, character ")]
    [InlineData("{\"question\": }", false, "at character 14")]
    public void A_parse_error_is_the_reason_and_a_one_based_position_without_the_parser_s_tail(string json, bool withLine, string position)
    {
        var exception = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json));

        var text = MalformedJson.Describe(exception, withLine);

        Assert.Contains(position, text, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", text, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Path:", text, StringComparison.Ordinal);
        Assert.False(text.EndsWith('.'), text);
    }

    [Theory]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{\"question\": \"q\", \"gold_titles\": \"one title\"}", "\"gold_titles\" has the wrong type")]
    public void A_value_of_the_wrong_kind_is_named_by_its_field_not_a_dotnet_type(string json, string expected)
    {
        var exception = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, RagAssistant.Core.Evaluation.EvaluationJsonContext.Default.EvalQuestion));

        var text = MalformedJson.Describe(exception, withLine: false);

        Assert.StartsWith(expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("RagAssistant", text, StringComparison.Ordinal);
    }
}
