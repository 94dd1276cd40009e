using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.Cli;

public sealed class EvalCommandTests
{
    [Fact]
    public async Task Dense_without_an_embedding_model_fails_rather_than_report_bm25_numbers_under_its_label()
    {
        var set = Path.Combine(Path.GetTempPath(), $"ragassistant-eval-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(set, """{"id": "q1", "question": "How does speculative decoding work?", "gold_titles": [], "kind": "unanswerable"}""" + "\n", TestContext.Current.CancellationToken);
        try
        {
            var cli = new CliHarness { ComposeRetrieval = b => b.Services.AddRagRetrieval(b.Configuration) }; // no embedding generator registered

            var dense = await cli.RunAsync(string.Empty, "eval", "--set", set, "--retriever", "dense");
            var denseOutput = cli.Output;
            var denseError = cli.Error;
            var bm25 = await cli.RunAsync(string.Empty, "eval", "--set", set, "--retriever", "bm25");

            Assert.Equal(1, dense);
            Assert.Contains("dense retrieval is not available", denseError, StringComparison.Ordinal);
            Assert.DoesNotContain("Recall", denseOutput, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(0, bm25);
            Assert.Contains("bm25", cli.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(set);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json\n{\"id\": \"q1\"}\n")]
    public async Task A_set_without_a_usable_question_is_bad_usage_naming_the_file_and_each_problem(string content)
    {
        using var folder = new TempFolder();
        var set = folder.Write("set.jsonl", content);
        var cli = new CliHarness { ComposeRetrieval = b => b.Services.AddRagRetrieval(b.Configuration) };

        var exitCode = await cli.RunAsync(string.Empty, "eval", "--set", set, "--retriever", "bm25");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"error: no questions in {set}", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Recall", cli.Output, StringComparison.OrdinalIgnoreCase);
        if (content.Length > 0)
        {
            Assert.Contains("set.jsonl:1: malformed JSON", cli.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("BytePositionInLine", cli.Error, StringComparison.Ordinal);
            Assert.Contains("set.jsonl:2: needs \"question\" and \"gold_titles\"; skipped", cli.Error, StringComparison.Ordinal);
        }
    }
}
