using System.Text.RegularExpressions;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>How the real console names and numbers sources: what identifies a paper, <c>[n]</c> everywhere, and a true /sources.</summary>
[Trait("Category", "EndToEnd")]
public sealed partial class SourceLabelTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task A_listing_papers_label_is_its_date_never_the_dump_file_name()
    {
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "speculative decoding draft model", "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotMatch(DumpFileName(), result.Output);
        Assert.Matches(@"\[1\] .+ \([A-Z][a-z]{2} \d{1,2}, \d{4}\)", result.Output);
    }

    [Fact]
    public async Task A_users_own_document_is_labelled_with_its_file_name()
    {
        var corpus = Directory.CreateDirectory(Path.Combine(workingDirectory.Path, "corpus")).FullName;
        await File.WriteAllTextAsync(Path.Combine(corpus, "lora-notes.md"), "# LoRA\n\nLow-rank adaptation freezes the pretrained weights and trains small adapters.\n", TestContext.Current.CancellationToken);

        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "low-rank adaptation pretrained weights", "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("[1] LoRA (lora-notes.md)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generated_answers_number_their_sources_as_n_in_brackets_like_every_other_list()
    {
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");

        // stories260K writes stories, not citations: its sources are listed as offered, uncited.
        var result = await ConsoleProcess.RunAsync(null, workingDirectory.Path, "ask", "speculative decoding draft model", "--corpus", corpus, "--model", TestPaths.Stories, "--EmbeddingModel:Provider=None", "--Answering:MaxAnswerTokens=16");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"(?m)^\s+\[1\] ", result.Output);
        Assert.DoesNotMatch(@"(?m)^\s+\(\d+\) ", result.Output);
    }

    [Fact]
    public async Task Sources_after_a_refused_question_says_it_was_not_covered()
    {
        var corpus = Path.Combine(TestPaths.RepositoryRoot, "data", "papers");

        var result = await ConsoleProcess.RunAsync("zzqx florbnic wuggle\n/sources\n/exit\n", workingDirectory.Path, "--corpus", corpus, "--retrieval-only", "--EmbeddingModel:Provider=None");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("No sources: the last question was not covered by the corpus", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("ask a question first", result.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\d{3}_[0-9a-f]{16}\.txt")]
    private static partial Regex DumpFileName();
}
