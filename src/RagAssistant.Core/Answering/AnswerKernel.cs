using System.Text;
using System.Xml;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The Semantic Kernel the answer pipeline runs its steps through: <c>papers.search_papers</c> (the
/// <see cref="PaperSearchPlugin"/>), and the prompt functions <c>answering.rewrite_follow_up</c> and
/// <c>answering.answer</c>, which SK runs on the chat client in the kernel's services. Every step is invoked through
/// the kernel, so the function-invocation and prompt-render filters given here see each one.
/// </summary>
/// <remarks>
/// The kernel is composed from the pipeline's own collaborators (its chat client, its retriever), so the model SK
/// calls is always the one the pipeline was given; the pipeline never looks anything up in <see cref="Kernel.Services"/>.
/// The prompt functions take messages the pipeline has already rendered from the prompts/ templates and measured in
/// tokens: their template only marks the roles. Values are HTML-encoded by SK's template engine (its default) and
/// decoded by its chat prompt parser, so a source or question holding <c>&lt;message&gt;</c> markup or
/// <c>{{...}}</c> template syntax reaches the model as text, neither a new message nor an executed function.
/// </remarks>
internal sealed class AnswerKernel
{
    /// <summary>The plugin of the two prompt functions.</summary>
    public const string PluginName = "answering";

    /// <summary>The prompt function that writes the grounded answer.</summary>
    public const string AnswerFunctionName = "answer";

    /// <summary>The prompt function that turns a follow-up into a standalone search query.</summary>
    public const string RewriteFunctionName = "rewrite_follow_up";

    private const string SystemVariable = "system";
    private const string UserVariable = "user";

    private readonly KernelFunction _search;
    private readonly KernelFunction _answer;
    private readonly KernelFunction _rewrite;

    /// <summary>Composes the kernel.</summary>
    /// <param name="retriever">The retriever behind <c>search_papers</c>.</param>
    /// <param name="chatClient">The chat model the prompt functions run on, or null when answers are extracted.</param>
    /// <param name="functionFilters">Filters that see every function invocation (search, rewrite, answer).</param>
    /// <param name="promptFilters">Filters that see every rendered prompt.</param>
    /// <param name="loggerFactory">Receives Semantic Kernel's own step logs (function invoked, completed, duration); null = none.</param>
    public AnswerKernel(
        IPaperRetriever retriever,
        IChatClient? chatClient,
        IEnumerable<IFunctionInvocationFilter> functionFilters,
        IEnumerable<IPromptRenderFilter> promptFilters,
        ILoggerFactory? loggerFactory = null)
    {
        var builder = Kernel.CreateBuilder();
        if (loggerFactory is not null)
        {
            // SK logs each function invocation through the kernel's ILoggerFactory (Kernel.LoggerFactory); a cancelled
            // step is not a failure, so its "failed" entry goes to Debug.
            builder.Services.AddSingleton<ILoggerFactory>(new KernelCancellationLogDemotion(loggerFactory));
        }

        if (chatClient is not null)
        {
            builder.Services.AddSingleton(chatClient.GetService<ChatClientMetadata>() is null ? new DescribedChatClient(chatClient) : chatClient);
        }

        foreach (var filter in functionFilters)
        {
            builder.Services.AddSingleton(filter);
        }

        foreach (var filter in promptFilters)
        {
            builder.Services.AddSingleton(filter);
        }

        var search = KernelPluginFactory.CreateFromObject(new PaperSearchPlugin(retriever), PaperSearchPlugin.PluginName);
        var prompts = KernelPluginFactory.CreateFromFunctions(PluginName,
        [
            CreateChatFunction(AnswerFunctionName, "Writes the grounded, cited answer from the system message and the user message with the numbered sources.", withSystem: true),
            CreateChatFunction(RewriteFunctionName, "Turns a follow-up question into a standalone search query.", withSystem: false),
        ]);
        Kernel = builder.Build();
        Kernel.Plugins.Add(search);
        Kernel.Plugins.Add(prompts);
        HasChatModel = chatClient is not null;
        _search = search[PaperSearchPlugin.SearchFunctionName];
        _answer = prompts[AnswerFunctionName];
        _rewrite = prompts[RewriteFunctionName];
    }

    /// <summary>The kernel; the prompts/ templates are rendered with it too.</summary>
    public Kernel Kernel { get; }

    /// <summary>True when the prompt functions have a chat model to run on.</summary>
    public bool HasChatModel { get; }

    /// <summary>Runs <c>search_papers</c> through the kernel.</summary>
    /// <exception cref="InvalidOperationException">A filter replaced the result with something that is not a <see cref="RetrievalResult"/>.</exception>
    public async Task<RetrievalResult> SearchAsync(RetrievalQuery query, int? topK, CancellationToken cancellationToken)
    {
        var arguments = new KernelArguments { ["query"] = query.Text };
        if (query.Context is { } context)
        {
            arguments["context"] = context;
        }

        if (topK is { } count)
        {
            arguments["topK"] = count;
        }

        var result = await Kernel.InvokeAsync(_search, arguments, cancellationToken).ConfigureAwait(false);
        return result.GetValue<RetrievalResult>()
            ?? throw new InvalidOperationException($"{PaperSearchPlugin.SearchFunctionName} returned no {nameof(RetrievalResult)}; check the function-invocation filters.");
    }

    /// <summary>
    /// Streams the answer to <paramref name="system"/> and <paramref name="user"/> through the <c>answer</c> function;
    /// the chat client's own updates come back unchanged, with their usage and finish reason.
    /// </summary>
    /// <param name="system">The rendered system prompt.</param>
    /// <param name="user">The rendered user message: the numbered sources and the question.</param>
    /// <param name="maxOutputTokens">The model's output limit (ChatOptions.MaxOutputTokens).</param>
    /// <param name="temperature">The sampling temperature.</param>
    /// <param name="cancellationToken">Stops the answer; the stream then ends with <see cref="OperationCanceledException"/>.</param>
    public IAsyncEnumerable<ChatResponseUpdate> StreamAnswerAsync(string system, string user, int maxOutputTokens, float temperature, CancellationToken cancellationToken)
    {
        var arguments = new KernelArguments(Settings(maxOutputTokens, temperature)) { [SystemVariable] = system, [UserVariable] = user };
        return Kernel.InvokeStreamingAsync<ChatResponseUpdate>(_answer, arguments, cancellationToken);
    }

    /// <summary>The model's reply to <paramref name="user"/> through the <c>rewrite_follow_up</c> function.</summary>
    public async Task<string> RewriteAsync(string user, int maxOutputTokens, CancellationToken cancellationToken)
    {
        var arguments = new KernelArguments(Settings(maxOutputTokens, temperature: 0f)) { [UserVariable] = user };
        var result = await Kernel.InvokeAsync(_rewrite, arguments, cancellationToken).ConfigureAwait(false);
        return result.GetValue<string>() ?? string.Empty;
    }

    /// <summary>
    /// <paramref name="text"/> as one chat message will carry it: without the characters XML 1.0 cannot hold (SK's chat
    /// prompt parser would reject the whole prompt and send its markup as one message) and without surrounding white
    /// space (the parser trims it). The pipeline measures this text, so the count is of what the model receives.
    /// </summary>
    public static string ToMessageText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = (StringBuilder?)null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c);
            if (pair)
            {
                builder?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            if (XmlConvert.IsXmlChar(c))
            {
                builder?.Append(c);
                continue;
            }

            builder ??= new StringBuilder(text.Length).Append(text, 0, i);
            builder.Append(' ');
        }

        return (builder?.ToString() ?? text).Trim();
    }

    // SK turns these keys into ChatOptions.MaxOutputTokens and ChatOptions.Temperature for an IChatClient.
    private static PromptExecutionSettings Settings(int maxOutputTokens, float temperature) => new()
    {
        ExtensionData = new Dictionary<string, object> { ["max_tokens"] = maxOutputTokens, ["temperature"] = temperature },
    };

    private static KernelFunction CreateChatFunction(string name, string description, bool withSystem)
    {
        var user = $"<message role=\"user\">{{{{${UserVariable}}}}}</message>";
        var config = new PromptTemplateConfig(withSystem ? $"<message role=\"system\">{{{{${SystemVariable}}}}}</message>\n{user}" : user)
        {
            Name = name,
            Description = description,
        };
        if (withSystem)
        {
            config.InputVariables.Add(new InputVariable { Name = SystemVariable, Description = "The rendered System prompt.", IsRequired = true });
        }

        config.InputVariables.Add(new InputVariable { Name = UserVariable, Description = "The rendered user message.", IsRequired = true });

        // The default factory: AllowDangerouslySetContent stays off, so values are encoded against markup injection.
        return KernelFunctionFactory.CreateFromPrompt(config, new KernelPromptTemplateFactory());
    }

    /// <summary>
    /// SK runs prompt functions only on a chat client that describes itself with <see cref="ChatClientMetadata"/>;
    /// <see cref="IChatClient.GetService"/> may return null for it, so such a client is described by its type name.
    /// </summary>
    private sealed class DescribedChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        private readonly ChatClientMetadata _metadata = new(inner.GetType().Name);

        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata : base.GetService(serviceType, serviceKey);
    }
}
