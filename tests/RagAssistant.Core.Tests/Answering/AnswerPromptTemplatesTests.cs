using Microsoft.SemanticKernel;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

public sealed class AnswerPromptTemplatesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renders_the_repository_templates_with_their_variables()
    {
        var templates = AnswerPromptTemplates.Load(PipelineHarness.Prompts);
        var kernel = new Kernel();

        var system = await templates.RenderSystemAsync(kernel, "NO ANSWER HERE.", Ct);
        var answer = await templates.RenderAnswerAsync(kernel, "[1] Title\nText", "Why?", Ct);
        var rewrite = await templates.RenderRewriteAsync(kernel, "User: first", "and then?", Ct);

        Assert.Contains("NO ANSWER HERE.", system, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", system + answer + rewrite, StringComparison.Ordinal);
        Assert.Contains("[1] Title\nText", answer, StringComparison.Ordinal);
        Assert.Contains("Why?", answer, StringComparison.Ordinal);
        Assert.Contains("User: first", rewrite, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edited_templates_are_used_without_recompiling()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"prompts-{Guid.NewGuid():N}");
        foreach (var name in new[] { AnswerPromptTemplates.SystemPrompt, AnswerPromptTemplates.AnswerPrompt, AnswerPromptTemplates.RewritePrompt })
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
            await File.WriteAllTextAsync(Path.Combine(folder, name, "skprompt.txt"), $"custom {name}: {{{{$question}}}}", Ct);
        }

        try
        {
            var templates = AnswerPromptTemplates.Load(folder);
            var rendered = await templates.RenderAnswerAsync(new Kernel(), "s", "Q?", Ct);
            Assert.Equal("custom Answer: Q?", rendered);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Missing_template_is_named_in_the_error()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"prompts-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => AnswerPromptTemplates.Load(folder));
            Assert.Contains(Path.Combine("System", "skprompt.txt"), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }
}
