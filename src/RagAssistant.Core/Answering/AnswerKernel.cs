using System.ComponentModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The Semantic Kernel the answer pipeline runs its steps through, each a kernel function with typed arguments and a
/// typed result (names in <see cref="AnswerSteps"/>): <c>papers.search_papers</c> (a <see cref="RetrievalQuery"/> in,
/// a <see cref="RetrievalResult"/> out), <c>answering.rewrite_follow_up</c> and <c>answering.answer</c> (the rendered
/// <see cref="ChatMessage"/>s and their <see cref="ChatOptions"/> in, the chat client's reply out) and
/// <c>evidence.check_claim</c> (a <see cref="ClaimText"/> and the offered sources in, the <see cref="AnswerClaim"/> out).
/// Every step is invoked through the kernel, so the <see cref="IFunctionInvocationFilter"/>s given here see, and may
/// change, each one's arguments and result.
/// </summary>
/// <remarks>
/// The kernel is composed from the pipeline's own collaborators (its chat client, its retriever, its evidence checker),
/// so the model a step calls is always the one the pipeline was given; nothing is looked up in
/// <see cref="Kernel.Services"/>. The chat functions send the messages as they are: no prompt markup is parsed, so text
/// in a source or question (<c>&lt;message&gt;</c>, <c>&amp;</c>, control characters) reaches the model unchanged and
/// inside its own message.
/// </remarks>
internal sealed class AnswerKernel
{
    private readonly KernelFunction _search;
    private readonly KernelFunction _answer;
    private readonly KernelFunction _rewrite;
    private readonly KernelFunction _checkClaim;

    /// <summary>Composes the kernel.</summary>
    /// <param name="retriever">The retriever behind <c>search_papers</c>.</param>
    /// <param name="chatClient">The chat model the chat functions call, or null when answers are extracted.</param>
    /// <param name="evidence">The checker behind <c>check_claim</c>.</param>
    /// <param name="functionFilters">Filters that see every function invocation (search, rewrite, answer, claim check).</param>
    /// <param name="loggerFactory">Receives Semantic Kernel's own step logs (function invoked, completed, duration); null = none.</param>
    public AnswerKernel(
        IPaperRetriever retriever,
        IChatClient? chatClient,
        IEvidenceChecker evidence,
        IEnumerable<IFunctionInvocationFilter> functionFilters,
        ILoggerFactory? loggerFactory = null)
    {
        var builder = Kernel.CreateBuilder();
        if (loggerFactory is not null)
        {
            // SK logs each function invocation through the kernel's ILoggerFactory (Kernel.LoggerFactory); a cancelled
            // step is not a failure, so its "failed" entry goes to Debug.
            builder.Services.AddSingleton<ILoggerFactory>(new ReportedFailureLogDemotion(loggerFactory));
        }

        foreach (var filter in functionFilters)
        {
            builder.Services.AddSingleton(filter);
        }

        Kernel = builder.Build();
        var search = Kernel.Plugins.AddFromObject(new PaperSearchPlugin(retriever), AnswerSteps.SearchPlugin);
        var answering = Kernel.Plugins.AddFromObject(new ChatFunctions(chatClient), AnswerSteps.AnsweringPlugin);
        var claims = Kernel.Plugins.AddFromObject(new EvidenceFunctions(evidence), AnswerSteps.EvidencePlugin);
        HasChatModel = chatClient is not null;
        _search = search[AnswerSteps.Search];
        _answer = answering[AnswerSteps.Answer];
        _rewrite = answering[AnswerSteps.Rewrite];
        _checkClaim = claims[AnswerSteps.CheckClaim];
    }

    /// <summary>The kernel; the prompts/ templates are rendered with it too.</summary>
    public Kernel Kernel { get; }

    /// <summary>True when the chat functions have a chat model to call.</summary>
    public bool HasChatModel { get; }

    /// <summary>Runs <c>search_papers</c> through the kernel.</summary>
    /// <exception cref="InvalidOperationException">A filter replaced the result with something that is not a <see cref="RetrievalResult"/>.</exception>
    public async Task<RetrievalResult> SearchAsync(RetrievalQuery query, int? topK, CancellationToken cancellationToken)
    {
        var arguments = new KernelArguments { [AnswerSteps.QueryArgument] = query };
        if (topK is { } count)
        {
            // Left out rather than null, so the retriever's Retrieval:TopK is the one default.
            arguments[AnswerSteps.TopKArgument] = count;
        }

        var result = await Kernel.InvokeAsync(_search, arguments, cancellationToken).ConfigureAwait(false);
        return Expect<RetrievalResult>(result);
    }

    /// <summary>
    /// Streams the answer to <paramref name="messages"/> through the <c>answer</c> function: the chat client's own
    /// updates come back unchanged, with their usage and finish reason.
    /// </summary>
    /// <param name="messages">The rendered system message and user message (the numbered sources and the question).</param>
    /// <param name="options">The output limit and the temperature.</param>
    /// <param name="cancellationToken">Stops the answer; the stream then ends with <see cref="OperationCanceledException"/>.</param>
    public IAsyncEnumerable<ChatResponseUpdate> StreamAnswerAsync(IList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken) =>
        Kernel.InvokeStreamingAsync<ChatResponseUpdate>(_answer, ChatArguments(messages, options), cancellationToken);

    /// <summary>The model's reply to <paramref name="messages"/> through the <c>rewrite_follow_up</c> function.</summary>
    /// <exception cref="InvalidOperationException">A filter replaced the result with something that is not a string.</exception>
    public async Task<string> RewriteAsync(IList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        var result = await Kernel.InvokeAsync(_rewrite, ChatArguments(messages, options), cancellationToken).ConfigureAwait(false);
        return Expect<string>(result);
    }

    /// <summary>Checks one claim against the offered sources through the <c>check_claim</c> function.</summary>
    /// <exception cref="InvalidOperationException">A filter replaced the result with something that is not an <see cref="AnswerClaim"/>.</exception>
    public async Task<AnswerClaim> CheckClaimAsync(ClaimText claim, IReadOnlyList<AnswerSource> sources, CancellationToken cancellationToken)
    {
        var arguments = new KernelArguments { [AnswerSteps.ClaimArgument] = claim, [AnswerSteps.SourcesArgument] = sources };
        var result = await Kernel.InvokeAsync(_checkClaim, arguments, cancellationToken).ConfigureAwait(false);
        return Expect<AnswerClaim>(result);
    }

    private static KernelArguments ChatArguments(IList<ChatMessage> messages, ChatOptions options) =>
        new() { [AnswerSteps.MessagesArgument] = messages, [AnswerSteps.OptionsArgument] = options };

    // A filter may replace a step's result (FunctionResult holds any object): one of another type is its mistake, and
    // the message names the step and both types rather than SK's bare cast failure.
    private static T Expect<T>(FunctionResult result) => result.GetValue<object>() is T value
        ? value
        : throw new InvalidOperationException(
            $"The result of {result.Function.PluginName}.{result.Function.Name} is {result.GetValue<object>()?.GetType().Name ?? "null"}, not the {typeof(T).Name} it returns; " +
            $"a function-invocation filter that replaces it must set a {typeof(T).Name} (new FunctionResult(context.Function, value)).");

    /// <summary>The chat model steps: the rendered messages go to the chat client as they are.</summary>
    private sealed class ChatFunctions(IChatClient? chatClient)
    {
        [KernelFunction(AnswerSteps.Rewrite)]
        [Description("Turns a follow-up question into a standalone search query.")]
        public async Task<string> RewriteAsync(
            [Description("The rendered Rewrite prompt as one user message.")] IList<ChatMessage> messages,
            [Description("The output limit and temperature.")] ChatOptions options,
            CancellationToken cancellationToken)
        {
            var response = await Client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            return response.Text;
        }

        [KernelFunction(AnswerSteps.Answer)]
        [Description("Streams the grounded, cited answer to the system message and the user message with the numbered sources.")]
        public IAsyncEnumerable<ChatResponseUpdate> AnswerAsync(
            [Description("The rendered System and Answer prompts.")] IList<ChatMessage> messages,
            [Description("The output limit and temperature.")] ChatOptions options,
            CancellationToken cancellationToken) =>
            Client.GetStreamingResponseAsync(messages, options, cancellationToken);

        private IChatClient Client => chatClient ?? throw new InvalidOperationException("No chat model is loaded: answers are retrieval-only.");
    }

    /// <summary>The claim check as a step of its own.</summary>
    private sealed class EvidenceFunctions(IEvidenceChecker evidence)
    {
        [KernelFunction(AnswerSteps.CheckClaim)]
        [Description("Checks one claim of the answer against the sources it cites and suggests the offered sources that support it.")]
        public Task<AnswerClaim> CheckAsync(
            [Description("The claim and the source numbers it cites.")] ClaimText claim,
            [Description("Every source offered for the answer, numbered as its citations.")] IReadOnlyList<AnswerSource> sources,
            CancellationToken cancellationToken) =>
            evidence.CheckAsync(claim, sources, cancellationToken);
    }
}
