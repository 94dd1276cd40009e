using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Turns a follow-up ("and how does it compare to the second one?") into a standalone search query. The first
/// question of a conversation goes to retrieval as typed. With a chat model the Rewrite prompt asks it for the
/// query; without one (retrieval-only), or when the model's reply is unusable, the question is searched with the
/// conversation's earlier user questions (one a line) as its <see cref="RetrievalQuery.Context"/>: the question drives
/// the search and the earlier topic only weighs in (Retrieval:ContextWeight), so a follow-up on the same paper stays
/// there and a new topic moves on. Assistant text is never searched, and a question answered "not covered" as off the
/// corpus's subject is no context: after "Tell me a joke", "it" is the last answered topic. The model is asked through
/// the kernel's <c>rewrite_follow_up</c> function with the rendered Rewrite prompt as one user message, so the
/// kernel's filters see the rewrite as a step of its own.
/// </summary>
internal sealed partial class FollowUpRewriter(AnswerPromptTemplates prompts, AnsweringOptions options, ILogger logger)
{
    // Each earlier message is cut to this many characters: the query needs the topic, not whole answers.
    private const int MaxHistoryMessageChars = 600;

    // A restated question rarely needs more than this; a longer reply is an answer or a ramble.
    private const int MaxQueryChars = 300;

    private static readonly string[] ReplyPrefixes = ["standalone query:", "standalone question:", "search query:", "query:"];

    public async Task<RetrievalQuery> ToSearchQueryAsync(
        AnswerKernel kernel,
        ITokenizer tokenizer,
        int contextSize,
        IReadOnlyList<ChatMessage>? history,
        string question,
        CancellationToken cancellationToken)
    {
        var conversation = (history ?? [])
            .Where(m => (m.Role == ChatRole.User || m.Role == ChatRole.Assistant) && !string.IsNullOrWhiteSpace(m.Text))
            .ToList();
        var turns = conversation.TakeLast(options.MaxHistoryMessages).ToList();
        if (turns.Count == 0)
        {
            return new RetrievalQuery(question);
        }

        var joined = WithConversation(conversation, question);
        if (!kernel.HasChatModel)
        {
            return joined;
        }

        try
        {
            var messages = await RenderFittingPromptAsync(kernel, tokenizer, contextSize, turns, question, cancellationToken).ConfigureAwait(false);
            if (messages is null)
            {
                return joined;
            }

            // No sampling: the query should be the likeliest restatement, the same each time.
            var chatOptions = new ChatOptions { MaxOutputTokens = options.MaxRewriteTokens, Temperature = 0f };
            var reply = await kernel.RewriteAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
            var query = CleanReply(reply);
            if (query.Length == 0 || !SharesAWord(query, turns, question) || AnswersInstead(query, question))
            {
                Log.RewriteUnusable(logger, query);
                return joined;
            }

            Log.Rewritten(logger, question, query);
            return new RetrievalQuery(query);
        }
        catch (ModelServerException ex)
        {
            // The server's fault, said in its one line; the answer's own request will say it again if it lasts.
            Log.RewriteFailedAtServer(logger, ex.Message);
            return joined;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Rewriting only sharpens the search; a failing model must not lose the question.
            Log.RewriteFailed(logger, ex);
            return joined;
        }
    }

    internal static string CleanReply(string reply)
    {
        var line = reply.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? string.Empty;
        foreach (var prefix in ReplyPrefixes)
        {
            if (line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                line = line[prefix.Length..].Trim();
            }
        }

        return line.Trim('"', '\'', '`', '“', '”').Trim();
    }

    // A reply that answers instead of restating ("LoRAPrune reduces memory usage by 52.6% [1].") is no query: it cites a
    // source, or runs far longer than a restatement of the question needs.
    private static bool AnswersInstead(string query, string question) =>
        CitationMarker().IsMatch(query) || query.Length > Math.Max(MaxQueryChars, 3 * question.Length);

    // A standalone query restates the conversation's topic; one sharing no word with it is the model drifting off.
    private static bool SharesAWord(string query, List<ChatMessage> turns, string question)
    {
        var conversation = Words(question);
        foreach (var turn in turns)
        {
            conversation.UnionWith(Words(turn.Text));
        }

        return Words(query).Overlaps(conversation);
    }

    private static HashSet<string> Words(string text) =>
        WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).Where(w => w.Length >= 4).ToHashSet(StringComparer.Ordinal);

    // The earlier user questions, oldest first, one a line, but those answered "not covered" as off the corpus's
    // subject: the retriever finds in them the last one that set the topic (a chain of vague follow-ups keeps leaning
    // on it). "Tell me a joke" set no topic, so a later "it" means the last answered one. A question refused for naming
    // what no paper mentions ("Does any paper evaluate Medusa?") did set one: "How fast is it?" then is about Medusa,
    // and refused by that name too. The whole history the request carries (at most Ask:MaxHistoryMessages), not only the turns shown
    // to the rewriting model: a long chain keeps its topic.
    private static RetrievalQuery WithConversation(List<ChatMessage> history, string question)
    {
        var earlier = new List<string>();
        for (var i = 0; i < history.Count; i++)
        {
            var next = i + 1 < history.Count ? history[i + 1] : null;
            if (history[i].Role == ChatRole.User &&
                !(next?.Role == ChatRole.Assistant && next.Text.TrimStart() is var answer &&
                  answer.StartsWith(AnswerPipeline.NotCoveredLead, StringComparison.Ordinal) && !answer.StartsWith(AnswerPipeline.UnknownNamesLead, StringComparison.Ordinal)))
            {
                earlier.Add(LineBreaks().Replace(history[i].Text.Trim(), " "));
            }
        }

        return new RetrievalQuery(question, earlier.Count == 0 ? null : string.Join('\n', earlier));
    }

    // Drops the oldest turns until the prompt and the reply fit the context; null if even the question alone does not.
    private async Task<ChatMessage[]?> RenderFittingPromptAsync(
        AnswerKernel kernel, ITokenizer tokenizer, int contextSize, List<ChatMessage> turns, string question, CancellationToken cancellationToken)
    {
        var available = contextSize - options.MaxRewriteTokens;
        for (var skip = 0; skip <= turns.Count; skip++)
        {
            var history = FormatHistory(turns.Skip(skip));
            var prompt = await prompts.RenderRewriteAsync(kernel.Kernel, history, question, cancellationToken).ConfigureAwait(false);
            ChatMessage[] messages = [new(ChatRole.User, prompt)];
            var tokens = tokenizer.CountPromptTokens(messages) ?? tokenizer.CountTokens(prompt) + options.MessageOverheadTokens;
            if (tokens <= available)
            {
                return messages;
            }
        }

        return null;
    }

    private static string FormatHistory(IEnumerable<ChatMessage> turns)
    {
        var builder = new StringBuilder();
        foreach (var turn in turns)
        {
            var text = string.Join(' ', turn.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (text.Length > MaxHistoryMessageChars)
            {
                text = text[..MaxHistoryMessageChars] + " …";
            }

            builder.Append(turn.Role == ChatRole.User ? "User: " : "Assistant: ").Append(text).Append('\n');
        }

        return builder.ToString().TrimEnd();
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"\[\d+\]", RegexOptions.CultureInvariant)]
    private static partial Regex CitationMarker();

    [GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial Regex LineBreaks();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Follow-up '{Question}' rewritten as '{Query}'")]
        public static partial void Rewritten(ILogger logger, string question, string query);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The model's standalone query '{Query}' was unusable (empty, too long or off the conversation's topic); searching the question with the last one as context")]
        public static partial void RewriteUnusable(ILogger logger, string query);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Rewriting the follow-up failed; searching the question with the last one as context")]
        public static partial void RewriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Rewriting the follow-up failed ({Reason}); searching the question with the last one as context")]
        public static partial void RewriteFailedAtServer(ILogger logger, string reason);
    }
}
