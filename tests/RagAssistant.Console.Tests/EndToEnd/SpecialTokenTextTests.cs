using System.Text.Json;
using RagAssistant.Console.Tests.TestDoubles;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>
/// The replayed bug report, end to end on stories260K: text spelling its end-of-sequence token (<c>&lt;/s&gt;</c>) in a
/// question or in a corpus document is plain text, so it counts like its upper-case twin <c>&lt;/S&gt;</c> (parsed as
/// control tokens, 40 copies were 80 tokens fewer).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SpecialTokenTextTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    private static string Cases => Path.Combine(TestPaths.Shared ?? string.Empty, "cases", "special-tokens");

    [Fact]
    public async Task A_question_ending_in_eos_text_takes_as_many_prompt_tokens_as_its_upper_case_twin()
    {
        var model = TestPaths.Stories;

        var corpus = Corpus("plain", string.Empty);

        var baseline = await PromptTokensAsync(model, await ReadCaseAsync("question_base.txt"), corpus);
        var eos = await PromptTokensAsync(model, await ReadCaseAsync("question_eos.txt"), corpus);
        var upper = await PromptTokensAsync(model, await ReadCaseAsync("question_upper.txt"), corpus);

        // The small corpus keeps the prompt below the packing budget, so the counts show the question's own tokens.
        Assert.True(upper - baseline >= 80, $"40 copies of </S> should add at least 80 tokens (got {upper - baseline})");
        Assert.InRange(eos - upper, -5, 5);
    }

    [Fact]
    public async Task A_corpus_document_ending_in_eos_text_takes_as_many_prompt_tokens_as_its_upper_case_twin()
    {
        var model = TestPaths.Stories;
        var question = await ReadCaseAsync("question_base.txt");

        var baseline = await PromptTokensAsync(model, question, Corpus("plain", string.Empty));
        var eos = await PromptTokensAsync(model, question, Corpus("eos", " </s>"));
        var upper = await PromptTokensAsync(model, question, Corpus("upper", " </S>"));

        Assert.True(upper - baseline >= 80, $"40 copies of </S> should add at least 80 tokens (got {upper - baseline})");
        Assert.InRange(eos - upper, -5, 5);
    }

    private static async Task<string> ReadCaseAsync(string file) =>
        (await File.ReadAllTextAsync(Path.Combine(Cases, file), TestContext.Current.CancellationToken)).Trim();

    private string Corpus(string name, string marker)
    {
        var folder = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, name));
        foreach (var file in Directory.GetFiles(Path.Combine(Cases, "corpus")))
        {
            var text = File.ReadAllText(file).TrimEnd();
            var suffix = Path.GetFileName(file) == "quark.md" ? string.Concat(Enumerable.Repeat(marker, 40)) : string.Empty;
            File.WriteAllText(Path.Combine(folder.FullName, Path.GetFileName(file)), text + suffix + "\n");
        }

        return folder.FullName;
    }

    private async Task<int> PromptTokensAsync(string model, string question, string corpus)
    {
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", question, "--json", "--model", model, "--corpus", corpus);
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Contains(json.RootElement.GetProperty("sources").EnumerateArray(), s => s.GetProperty("title").GetString()!.StartsWith("Quark", StringComparison.Ordinal));

        return json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
    }
}
