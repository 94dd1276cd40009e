namespace RagAssistant.Core.Answering;

/// <summary>
/// The names of the answer pipeline's Semantic Kernel steps and of their arguments, for an
/// <see cref="Microsoft.SemanticKernel.IFunctionInvocationFilter"/> that picks a step by
/// <c>context.Function.PluginName</c> and <c>context.Function.Name</c> and reads <c>context.Arguments</c>.
/// One question runs <see cref="Rewrite"/> (a follow-up with a chat model only), <see cref="Search"/>, then
/// <see cref="Answer"/> and one <see cref="CheckClaim"/> per claim (with a chat model and a relevant source).
/// </summary>
public static class AnswerSteps
{
    /// <summary>The plugin of <see cref="Search"/>.</summary>
    public const string SearchPlugin = PaperSearchPlugin.PluginName;

    /// <summary>The plugin of <see cref="Rewrite"/> and <see cref="Answer"/>.</summary>
    public const string AnsweringPlugin = "answering";

    /// <summary>The plugin of <see cref="CheckClaim"/>.</summary>
    public const string EvidencePlugin = "evidence";

    /// <summary>Retrieval: <see cref="QueryArgument"/> and the optional <see cref="TopKArgument"/> in, a <see cref="Retrieval.RetrievalResult"/> out.</summary>
    public const string Search = PaperSearchPlugin.SearchFunctionName;

    /// <summary>The follow-up rewrite: <see cref="MessagesArgument"/> and <see cref="OptionsArgument"/> in, the model's reply (a string) out.</summary>
    public const string Rewrite = "rewrite_follow_up";

    /// <summary>
    /// Generation, invoked streaming (<c>context.IsStreaming</c>): <see cref="MessagesArgument"/> and
    /// <see cref="OptionsArgument"/> in, the chat client's <c>IAsyncEnumerable&lt;ChatResponseUpdate&gt;</c> out.
    /// </summary>
    public const string Answer = "answer";

    /// <summary>The claim check: <see cref="ClaimArgument"/> and <see cref="SourcesArgument"/> in, an <see cref="Evidence.AnswerClaim"/> out.</summary>
    public const string CheckClaim = "check_claim";

    /// <summary><see cref="Search"/>'s <see cref="Retrieval.RetrievalQuery"/>.</summary>
    public const string QueryArgument = "query";

    /// <summary><see cref="Search"/>'s number of passages (an int); absent for the configured <c>Retrieval:TopK</c>.</summary>
    public const string TopKArgument = "topK";

    /// <summary>The chat steps' rendered messages (<c>IList&lt;ChatMessage&gt;</c>), sent as they are.</summary>
    public const string MessagesArgument = "messages";

    /// <summary>The chat steps' <c>ChatOptions</c>: the output limit (MaxOutputTokens) and temperature.</summary>
    public const string OptionsArgument = "options";

    /// <summary><see cref="CheckClaim"/>'s <see cref="Evidence.ClaimText"/>.</summary>
    public const string ClaimArgument = "claim";

    /// <summary><see cref="CheckClaim"/>'s offered sources (<c>IReadOnlyList&lt;AnswerSource&gt;</c>), numbered as the answer cites them.</summary>
    public const string SourcesArgument = "sources";
}
