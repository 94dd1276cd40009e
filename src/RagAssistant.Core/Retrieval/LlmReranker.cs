using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// A listwise LLM <see cref="IReranker"/>: the registered <see cref="IChatClient"/> reads the question and the first
/// <see cref="RetrievalOptions.RerankerCandidates"/> candidates (title and the passage's opening, numbered) and answers
/// with their numbers, most relevant first. Candidates it does not name keep their first-stage order after the named
/// ones; a reply with no usable number, a failed call, or no chat model leaves the order as it was. Off by default:
/// on the generated Qwen2.5-0.5B-shaped model with 2 CPU threads it costs seconds per question (Retrieval/README.md).
/// Registered by <c>Retrieval:Reranker = Llm</c>.
/// </summary>
public sealed partial class LlmReranker : IReranker
{
    private readonly IServiceProvider _services;
    private readonly RetrievalOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the reranker; the chat client is looked up per call, so a model loaded later is used.</summary>
    /// <param name="services">Resolves <see cref="IChatClient"/> at each call (none registered: the order is kept).</param>
    /// <param name="options">How many candidates the model reads and how much of each.</param>
    /// <param name="logger">Receives failures; null = no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="options"/> is null.</exception>
    public LlmReranker(IServiceProvider services, IOptions<RetrievalOptions> options, ILogger<LlmReranker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _options = options.Value;
        // A model server's failure is logged in its one line (ModelServerException), its trace at Debug.
        _logger = ReportedFailureLogDemotion.Of(logger ?? NullLogger<LlmReranker>.Instance);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<RetrievedPassage>> RerankAsync(string question, IReadOnlyList<RetrievedPassage> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var chat = _services.GetService<IChatClient>();
        var shown = Math.Min(candidates.Count, _options.RerankerCandidates);
        if (chat is null || shown < 2)
        {
            return candidates;
        }

        try
        {
            var response = await chat.GetResponseAsync(
                [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, Prompt(question, candidates.Take(shown).ToList(), _options.RerankerPassageChars))],
                new ChatOptions { Temperature = 0, MaxOutputTokens = (shown * 4) + 8 },
                cancellationToken).ConfigureAwait(false);
            return Order(candidates, shown, response.Text);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, ex.Message);
            return candidates;
        }
    }

    private const string Instructions = "You rank research-paper passages by how well they answer a question. Reply with the passage numbers only, most relevant first, separated by commas.";

    /// <summary>The user message: the question, then each candidate numbered from 1 with its title and opening.</summary>
    internal static string Prompt(string question, IReadOnlyList<RetrievedPassage> candidates, int passageChars)
    {
        var prompt = new StringBuilder().Append("Question: ").AppendLine(question).AppendLine();
        for (var i = 0; i < candidates.Count; i++)
        {
            var text = candidates[i].Passage.Text;
            text = text.Length <= passageChars ? text : text[..passageChars] + "…";
            prompt.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {candidates[i].Paper.Title}: {text}").AppendLine();
        }

        return prompt.AppendLine().Append("Passage numbers, most relevant first:").ToString();
    }

    /// <summary>The candidates in the reply's order: named ones first (each once, in range), then the rest as they were.</summary>
    internal static IReadOnlyList<RetrievedPassage> Order(IReadOnlyList<RetrievedPassage> candidates, int shown, string reply)
    {
        var named = Number().Matches(reply ?? string.Empty)
            .Select(m => int.TryParse(m.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n - 1 : -1)
            .Where(i => i >= 0 && i < shown)
            .Distinct()
            .ToList();
        if (named.Count == 0)
        {
            return candidates;
        }

        return named.Concat(Enumerable.Range(0, candidates.Count).Except(named)).Select(i => candidates[i]).ToList();
    }

    [GeneratedRegex(@"\d{1,3}")]
    private static partial Regex Number();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The LLM reranker failed ({Reason}); the first-stage order is kept")]
    private partial void LogFailed(Exception exception, string reason);
}
