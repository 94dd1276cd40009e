using Microsoft.SemanticKernel;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The Semantic Kernel prompt templates of the answer pipeline, read once from <see cref="AnsweringOptions.PromptsFolder"/>
/// (one folder per prompt holding <c>skprompt.txt</c> and <c>config.json</c>, the layout SK uses for prompt plugins).
/// Editing the files and restarting changes the prompts without recompiling.
/// </summary>
public sealed class AnswerPromptTemplates
{
    /// <summary>Folder name of the system prompt.</summary>
    public const string SystemPrompt = "System";

    /// <summary>Folder name of the answer (user message) prompt.</summary>
    public const string AnswerPrompt = "Answer";

    /// <summary>Folder name of the follow-up rewrite prompt.</summary>
    public const string RewritePrompt = "Rewrite";

    private const string TemplateFile = "skprompt.txt";
    private const string ConfigFile = "config.json";

    private readonly IPromptTemplate _system;
    private readonly IPromptTemplate _answer;
    private readonly IPromptTemplate _rewrite;

    private AnswerPromptTemplates(string folder, IPromptTemplate system, IPromptTemplate answer, IPromptTemplate rewrite)
    {
        Folder = folder;
        _system = system;
        _answer = answer;
        _rewrite = rewrite;
    }

    /// <summary>The folder the templates were read from.</summary>
    public string Folder { get; }

    /// <summary>Reads and parses the three templates; throws <see cref="InvalidOperationException"/> naming the missing or broken file.</summary>
    public static AnswerPromptTemplates Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException(
                $"The prompts folder '{folder}' does not exist. Set {AnsweringOptions.SectionName}:{nameof(AnsweringOptions.PromptsFolder)} to the folder holding System/, Answer/ and Rewrite/.");
        }

        // Values are inserted verbatim: the rendered text is one chat message's content, sent as it is (never parsed as
        // prompt markup), so encoding them would garble what the model reads. A value is not rendered again either:
        // "{{search_papers}}" in a question stays those characters.
        var factory = new KernelPromptTemplateFactory { AllowDangerouslySetContent = true };
        return new AnswerPromptTemplates(
            folder,
            LoadOne(factory, folder, SystemPrompt),
            LoadOne(factory, folder, AnswerPrompt),
            LoadOne(factory, folder, RewritePrompt));
    }

    /// <summary>Resolves a configured prompts folder: absolute as is, relative first beside the program (where the build copies prompts/), then as <see cref="LocalPathResolver"/> does.</summary>
    /// <exception cref="ArgumentException"><paramref name="configured"/> is null, empty or white space.</exception>
    public static string ResolveFolder(string configured) => LocalPathResolver.Resolve(configured, AppContext.BaseDirectory);

    /// <summary>The system message's text.</summary>
    public Task<string> RenderSystemAsync(Kernel kernel, string refusalPhrase, CancellationToken cancellationToken) =>
        RenderAsync(_system, kernel, new KernelArguments { ["refusal_phrase"] = refusalPhrase }, cancellationToken);

    /// <summary>The user message's text: the numbered sources and the question.</summary>
    public Task<string> RenderAnswerAsync(Kernel kernel, string sources, string question, CancellationToken cancellationToken) =>
        RenderAsync(_answer, kernel, new KernelArguments { ["sources"] = sources, ["question"] = question }, cancellationToken);

    /// <summary>The user message's text asking for a standalone search query.</summary>
    public Task<string> RenderRewriteAsync(Kernel kernel, string history, string question, CancellationToken cancellationToken) =>
        RenderAsync(_rewrite, kernel, new KernelArguments { ["history"] = history, ["question"] = question }, cancellationToken);

    // The white space around a template file's text is the file's layout, not part of the message.
    private static async Task<string> RenderAsync(IPromptTemplate template, Kernel kernel, KernelArguments arguments, CancellationToken cancellationToken) =>
        (await template.RenderAsync(kernel, arguments, cancellationToken).ConfigureAwait(false)).Trim();

    private static IPromptTemplate LoadOne(KernelPromptTemplateFactory factory, string folder, string name)
    {
        var templatePath = Path.Combine(folder, name, TemplateFile);
        if (!File.Exists(templatePath))
        {
            throw new InvalidOperationException($"The prompt template '{templatePath}' is missing.");
        }

        try
        {
            var configPath = Path.Combine(folder, name, ConfigFile);
            var config = File.Exists(configPath) ? PromptTemplateConfig.FromJson(File.ReadAllText(configPath)) : new PromptTemplateConfig();
            config.Name ??= name;
            config.Template = File.ReadAllText(templatePath);
            return factory.Create(config);
        }
        catch (Exception ex) when (ex is not InvalidOperationException)
        {
            throw new InvalidOperationException($"The prompt template '{templatePath}' could not be read: {ex.Message}", ex);
        }
    }
}
