using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Grounded, cited answers. The collaborators (the <see cref="IPaperRetriever"/>, the optional <see cref="IChatClient"/>
/// and <see cref="ITokenizer"/>, the evidence checker, the Semantic Kernel filters) come by constructor injection.
/// Semantic Kernel orchestrates: retrieval (<see cref="AnswerSteps.Search"/>), the follow-up rewrite, the answer and
/// each claim check are kernel functions with typed arguments and results, invoked through one <see cref="Kernel"/>, so
/// registered <see cref="IFunctionInvocationFilter"/>s see every step (<see cref="AnswerSteps"/> names them). The
/// pipeline keeps control of what matters for a grounded answer: it renders the prompts/ templates once into the chat
/// messages, packs them in the model's tokens, sets the output limit and temperature (<see cref="ChatOptions"/>), and
/// reads every streamed token, the usage the runtime reports and the finish reason itself.
/// </summary>
/// <remarks>
/// Steps: validate the question; rewrite a follow-up into a standalone query; retrieve; if the best hit's relevance is
/// below <see cref="AnsweringOptions.MinRelevance"/> (every hit's is 0 when the question names something no paper
/// mentions), answer <see cref="NotCoveredAnswer"/> without calling the model;
/// without a chat model (or with <see cref="AssistantOptions.RetrievalOnly"/>) quote the top papers; otherwise pack the
/// numbered sources into the context, stream the answer, check its citation markers and recognise the refusal phrase.
/// </remarks>
public sealed partial class AnswerPipeline : IAnswerPipeline
{
    /// <summary>The answer when retrieval finds nothing relevant enough; the model is not called.</summary>
    public const string NotCoveredMessage = NotCoveredLead + " no paper in it is relevant enough to answer from.";

    /// <summary>How every "not covered" answer begins (<see cref="NotCoveredAnswer"/>).</summary>
    public const string NotCoveredLead = "The corpus does not cover this question:";

    /// <summary>How a "not covered" answer begins when the question names what no paper mentions (<see cref="NotCoveredAnswer"/>).</summary>
    public const string UnknownNamesLead = NotCoveredLead + " no paper in it mentions ";

    private readonly AnswerKernel _kernel;
    private readonly ITokenizer? _tokenizer;
    private readonly AnswerPromptTemplates _prompts;
    private readonly AnsweringOptions _options;
    private readonly ILogger _logger;
    private readonly FollowUpRewriter _rewriter;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;
    private readonly ISourceSentenceVectors? _sentenceVectors;

    /// <summary>Creates the pipeline from its collaborators and composes the Semantic Kernel it runs its steps through.</summary>
    /// <param name="retriever">Finds the passages an answer is grounded in (through <c>search_papers</c>).</param>
    /// <param name="prompts">The system, answer and rewrite prompt templates.</param>
    /// <param name="options">Answer limits and behaviour.</param>
    /// <param name="assistantOptions">Whether answers are retrieval-only.</param>
    /// <param name="logger">Logs retrieval and answer steps.</param>
    /// <param name="chatClient">The chat model, or null for retrieval-only (extracted) answers.</param>
    /// <param name="tokenizer">The chat model's tokenizer and context size (the <see cref="ITokenizer.ChatKey"/> one), or null for <see cref="ApproximateTokenizer"/>'s pessimistic count; a context size it does not know is <see cref="AnsweringOptions.FallbackContextSize"/>.</param>
    /// <param name="functionFilters">Semantic Kernel filters that see every step: follow-up rewrite, search, answer, claim check (<see cref="AnswerSteps"/>).</param>
    /// <param name="loggerFactory">Receives Semantic Kernel's own logs of each step, or null for none.</param>
    /// <param name="embeddingGenerator">Scores retrieval-only quotes by how well they answer the question (sentence similarity), or null to score them by shared words.</param>
    /// <param name="evidenceChecker">Checks each claim of a generated answer against its cited sources; null checks by word overlap alone.</param>
    /// <param name="sentenceVectors">The source sentences' vectors the index embedded once per corpus (retrieval-only quotes read them, embedding only a sentence the index has not), or null.</param>
    /// <exception cref="ArgumentNullException">A required collaborator is null.</exception>
    public AnswerPipeline(
        IPaperRetriever retriever,
        AnswerPromptTemplates prompts,
        IOptions<AnsweringOptions> options,
        IOptions<AssistantOptions> assistantOptions,
        ILogger<AnswerPipeline> logger,
        IChatClient? chatClient = null,
        ITokenizer? tokenizer = null,
        IEnumerable<IFunctionInvocationFilter>? functionFilters = null,
        ILoggerFactory? loggerFactory = null,
        IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null,
        IEvidenceChecker? evidenceChecker = null,
        ISourceSentenceVectors? sentenceVectors = null)
    {
        ArgumentNullException.ThrowIfNull(retriever);
        _embeddingGenerator = embeddingGenerator;
        _sentenceVectors = sentenceVectors;
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(assistantOptions);
        ArgumentNullException.ThrowIfNull(logger);
        _tokenizer = tokenizer;
        _prompts = prompts;
        _options = options.Value;

        // Retrieval-only answers never call the model, so the kernel gets none and no step can reach it.
        var evidence = evidenceChecker ?? new EvidenceChecker(Microsoft.Extensions.Options.Options.Create(new EvidenceOptions()));
        _kernel = new AnswerKernel(retriever, assistantOptions.Value.RetrievalOnly ? null : chatClient, evidence, functionFilters ?? [], loggerFactory);
        // A model server's failure is logged in its one line (ModelServerException), its trace at Debug.
        _logger = ReportedFailureLogDemotion.Of(logger);
        _rewriter = new FollowUpRewriter(prompts, _options, logger);
    }

    /// <summary>How answers are produced with the current services and options.</summary>
    public AnswerMode Mode => _kernel.HasChatModel ? AnswerMode.Generated : AnswerMode.RetrievalOnly;

    /// <inheritdoc/>
    /// <remarks>
    /// The request is trusted as checked: the application service (Hosting's <c>AssistantService.Validate</c>) is the
    /// one place the question's length, the source count and the answer token limit are checked.
    /// </remarks>
    /// <exception cref="ArgumentException">The question with its sources does not fit the model's context.</exception>
    public IAsyncEnumerable<AnswerUpdate> AnswerStreamingAsync(AnswerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync(request, request.Question, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AnswerResult> AnswerAsync(AnswerRequest request, CancellationToken cancellationToken = default) =>
        AnswerCompletedUpdate.ResultOfAsync(AnswerStreamingAsync(request, cancellationToken), cancellationToken);

    private async IAsyncEnumerable<AnswerUpdate> StreamAsync(
        AnswerRequest request, string question, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var generates = _kernel.HasChatModel;
        var tokenizer = _tokenizer ?? ApproximateTokenizer.Instance;
        var contextSize = tokenizer.ContextSize ?? _options.FallbackContextSize;

        var query = await _rewriter.ToSearchQueryAsync(_kernel, tokenizer, contextSize, request.History, question, cancellationToken).ConfigureAwait(false);
        var rewriteMs = clock.Elapsed.TotalMilliseconds;

        // A null TopK goes through, so the retriever's Retrieval:TopK is the one default.
        var retrieval = await _kernel.SearchAsync(query, request.TopK, cancellationToken).ConfigureAwait(false);
        // The context the retriever leaned on (a follow-up's topic question), not every earlier question it was offered.
        var searchQuery = (retrieval.Searched ?? query).ToString();
        var run = new AnswerRun(question, searchQuery, clock, rewriteMs, clock.Elapsed.TotalMilliseconds - rewriteMs, retrieval.Notice);
        var candidates = OnTopic(ToSources(retrieval.Hits), _options.MinRelevance);
        var bestRelevance = retrieval.Hits.Count == 0 ? 0 : retrieval.Hits.Max(h => h.RelevanceScore);
        Log.Retrieved(_logger, searchQuery, retrieval.Hits.Count, bestRelevance, retrieval.Mode);

        if (retrieval.UnknownNames.Count > 0)
        {
            Log.NamesNotInCorpus(_logger, string.Join(", ", retrieval.UnknownNames));
        }
        else if (bestRelevance < _options.MinRelevance)
        {
            Log.NotCovered(_logger, bestRelevance, _options.MinRelevance);
        }

        if (bestRelevance < _options.MinRelevance)
        {
            foreach (var update in NotCovered(run, retrieval.IsChat ? ChatReply : NotCoveredAnswer(retrieval.UnknownNames, retrieval.UnusedWords)))
            {
                yield return update;
            }

            yield break;
        }

        AnswerPrompt? prompt = null;
        if (generates)
        {
            // The model answers the user's own words. A follow-up's standalone rewrite stands beside them, so the prompt
            // needs no conversation history ("it" is said); a follow-up searched with its context (no model rewrite, or
            // an unusable one) is asked as typed: its sources carry the topic.
            var promptQuestion = PromptQuestion(question, query);
            prompt = await BuildPromptAsync(tokenizer, contextSize, candidates, promptQuestion, request.MaxAnswerTokens, cancellationToken).ConfigureAwait(false);
        }

        var updates = prompt is null
            ? ExtractAsync(run, question, candidates, cancellationToken)
            : GenerateAsync(run, tokenizer, prompt, cancellationToken);
        await foreach (var update in updates.ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <summary>
    /// The question as the answer prompt states it: the user's words, and for a follow-up rewritten into a standalone
    /// query, that query after them ("How much memory does it save? (In this conversation: How much memory does LoRA
    /// save?)").
    /// </summary>
    /// <param name="question">The question as the user wrote it.</param>
    /// <param name="query">What was searched (<see cref="FollowUpRewriter"/>).</param>
    internal static string PromptQuestion(string question, RetrievalQuery query) =>
        query.Context is null && !string.Equals(query.Text.Trim(), question.Trim(), StringComparison.OrdinalIgnoreCase)
            ? $"{question} (In this conversation: {query.Text})"
            : question;

    // Labelled NotCovered, not the configured mode: the text was neither generated nor extracted.
    private static IEnumerable<AnswerUpdate> NotCovered(AnswerRun run, string message)
    {
        yield return new SourcesRetrievedUpdate(run.SearchQuery, []);
        yield return new AnswerTextUpdate(message);
        var elapsedMs = run.Clock.Elapsed.TotalMilliseconds;
        yield return run.Complete(message, [], [], [], refused: true, AnswerMode.NotCovered, new AnswerUsage(0, 0), run.Timings(elapsedMs, 0));
    }

    /// <summary>
    /// The "not covered" answer: which names no paper mentions when the question writes any, else
    /// <see cref="NotCoveredMessage"/> with the question's words no paper uses, if any (a typo shows there).
    /// </summary>
    /// <param name="unknownNames">The question's names the corpus never uses (<see cref="RetrievalResult.UnknownNames"/>); may be empty.</param>
    /// <param name="unusedWords">The question's other words no paper uses (<see cref="RetrievalResult.UnusedWords"/>); may be empty.</param>
    /// <returns>
    /// One sentence beginning with <see cref="NotCoveredLead"/>, e.g. "The corpus does not cover this question: no paper
    /// in it mentions Spider." or "... no paper in it is relevant enough to answer from, and none uses the words bake or
    /// bread."; at most <see cref="MaxWordsNamed"/> words are named, then how many more.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="unknownNames"/> or <paramref name="unusedWords"/> is null.</exception>
    public static string NotCoveredAnswer(IReadOnlyList<string> unknownNames, IReadOnlyList<string> unusedWords)
    {
        ArgumentNullException.ThrowIfNull(unknownNames);
        ArgumentNullException.ThrowIfNull(unusedWords);
        return (unknownNames.Count, unusedWords.Count) switch
        {
            ( > 0, _) => $"{UnknownNamesLead}{Listed(unknownNames)}.",
            (_, 1) => $"{NotCoveredMessage[..^1]}, and none uses the word {unusedWords[0]}.",
            (_, > 1) => $"{NotCoveredMessage[..^1]}, and none uses the words {Listed(unusedWords)}.",
            _ => NotCoveredMessage,
        };
    }

    /// <summary>
    /// The answer to chat, a greeting or thanks with no question in it (<see cref="RetrievalResult.IsChat"/>): what the
    /// assistant answers, instead of "not covered". No model is called; the answer is labelled not covered, with no sources.
    /// </summary>
    public const string ChatReply = "Ask me about the papers in the corpus: a method, a result, or which papers study a topic. Each answer cites the papers it comes from.";

    /// <summary>Most words a "not covered" answer names (<see cref="NotCoveredAnswer"/>); a long question's others are counted.</summary>
    public const int MaxWordsNamed = 5;

    // "A", "A or B", "A, B or C", and past MaxWordsNamed "A, B, C, D, E or 3 others".
    private static string Listed(IReadOnlyList<string> words) => words.Count switch
    {
        1 => words[0],
        <= MaxWordsNamed => $"{string.Join(", ", words.Take(words.Count - 1))} or {words[^1]}",
        _ => $"{string.Join(", ", words.Take(MaxWordsNamed))} or {words.Count - MaxWordsNamed} others",
    };

    private async IAsyncEnumerable<AnswerUpdate> ExtractAsync(AnswerRun run, string question, IReadOnlyList<AnswerSource> candidates, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Quoting is the whole answer here, so a paper below the relevance gate is never quoted: a quote of one reads
        // as an answer. The same sources a model would read are offered (OnTopic), in rank order, and a source ranked
        // above a passing one stays among them; the quotes come from the first ExtractivePapers that pass the gate
        // themselves ("How does FlashAttention work?" quoted three papers at 0.06 to 0.19 that never name it, ranked
        // above the one at 0.61 that does).
        var offered = candidates;
        yield return new SourcesRetrievedUpdate(run.SearchQuery, offered);
        // A question asking which papers is answered by the list: every passing source, one sentence each ("Which
        // papers use GPT-2?" offered five papers naming it and quoted three).
        var listing = ExtractiveAnswerer.AsksForPapers(question);
        var passing = offered.Where(s => s.Relevance >= _options.MinRelevance);
        var quoted = (listing ? passing : passing.Take(_options.ExtractivePapers)).ToList();
        var similarity = await SentenceSimilarityAsync(question, quoted, cancellationToken).ConfigureAwait(false);
        var extracted = ExtractiveAnswerer.Compose(run.SearchQuery, quoted, listing ? 1 : _options.ExtractiveSentencesPerPaper, similarity);
        var firstTextMs = run.Clock.Elapsed.TotalMilliseconds;
        yield return new AnswerTextUpdate(extracted.Text);

        // The assistant's own words here are only the marker after each quote, so the citations are the quoted
        // sources; the quotes themselves are source text and are not parsed.
        var cited = extracted.Sources.Select(s => s.Number).ToList();

        // The claims are the quoted sentences themselves: exact evidence. They come with the result only: the text
        // came whole, so there is no sentence to mark as it streams (a mark per quote would pile up after the last).
        var claims = extracted.Quotes.Select(q => EvidenceChecker.Quote(q.Sentence, q.Number)).ToList();

        var completed = run.Complete(extracted.Text, ToCitations(cited, offered), offered, [], refused: false, AnswerMode.RetrievalOnly, new AnswerUsage(0, 0), run.Timings(firstTextMs, 0));
        yield return new AnswerCompletedUpdate(completed.Result with { Claims = claims });
    }

    // How well each sentence of the quoted sources answers the question itself (not the search query, which for a
    // follow-up carries the earlier question and would choose the earlier quotes again): the cosine of their
    // embeddings, a few dozen short texts per answer. Null without an embedding model or when it fails: the quotes
    // are then chosen by shared words.
    private async Task<IReadOnlyDictionary<string, double>?> SentenceSimilarityAsync(string question, List<AnswerSource> sources, CancellationToken cancellationToken)
    {
        if (_embeddingGenerator is null || sources.Count == 0)
        {
            return null;
        }

        var sentences = sources.SelectMany(ExtractiveAnswerer.Sentences).Distinct(StringComparer.Ordinal).ToList();
        try
        {
            var query = await _embeddingGenerator.GenerateAsync([question], EmbeddingInputType.Options(EmbeddingInputType.Query), cancellationToken).ConfigureAwait(false);
            var vectors = _sentenceVectors is null ? [] : new Dictionary<string, ReadOnlyMemory<float>>(await _sentenceVectors.GetAsync(sentences, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);

            // Only what the index has not embedded yet (while its sentence vectors are still being computed).
            var missing = sentences.Where(s => !vectors.ContainsKey(s)).ToList();
            if (missing.Count > 0)
            {
                var embedded = await _embeddingGenerator.GenerateAsync(missing, EmbeddingInputType.Options(EmbeddingInputType.Document), cancellationToken).ConfigureAwait(false);
                foreach (var (sentence, embedding) in missing.Zip(embedded))
                {
                    vectors[sentence] = embedding.Vector;
                }
            }

            var q = query[0].Vector;
            return vectors.ToDictionary(
                x => x.Key,
                x => x.Value.Length == q.Length ? (double)TensorPrimitives.CosineSimilarity(q.Span, x.Value.Span) : 0,
                StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.QuoteSimilarityFailed(_logger, ex, ex.Message);
            return null;
        }
    }

    private async IAsyncEnumerable<AnswerUpdate> GenerateAsync(
        AnswerRun run, ITokenizer tokenizer, AnswerPrompt prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sources = prompt.Sources.Sources;
        yield return new SourcesRetrievedUpdate(run.SearchQuery, sources);

        var citations = new CitationStreamParser(sources.Select(s => s.Number).ToHashSet());
        var reasoning = new ReasoningBlockFilter();
        var claimSplitter = new ClaimSplitter(_options.RefusalPhrase);
        var claims = new List<AnswerClaim>();
        var shown = new StringBuilder();
        var raw = new StringBuilder();
        UsageDetails? usage = null;
        ChatFinishReason? finishReason = null;
        var modelStart = run.Clock.Elapsed;
        TimeSpan? firstToken = null;
        var options = new ChatOptions { MaxOutputTokens = prompt.AnswerBudget, Temperature = _options.Temperature };
        var stream = _kernel.StreamAnswerAsync(prompt.Messages, options, cancellationToken);
        await foreach (var update in stream.ConfigureAwait(false))
        {
            usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            finishReason = update.FinishReason ?? finishReason;
            var text = update.Text;
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            firstToken ??= run.Clock.Elapsed;
            raw.Append(text);
            var visible = citations.Push(reasoning.Push(text));
            if (visible.Length > 0)
            {
                // A claim is checked as soon as its sentence is complete (the next one has begun). The text is sent
                // in two pieces around it, so the claim follows exactly the text it covers and a front end can mark
                // it right after its citation.
                var before = shown.Length;
                shown.Append(visible);
                var complete = claimSplitter.Push(visible);
                var split = complete.Count == 0 ? visible.Length : Math.Clamp(claimSplitter.CompletedEnd - before, 0, visible.Length);
                if (split > 0)
                {
                    yield return new AnswerTextUpdate(visible[..split]);
                }

                foreach (var claim in complete)
                {
                    var checkedClaim = await _kernel.CheckClaimAsync(claim, sources, cancellationToken).ConfigureAwait(false);
                    claims.Add(checkedClaim);
                    yield return new ClaimCheckedUpdate(checkedClaim);
                }

                if (split < visible.Length)
                {
                    yield return new AnswerTextUpdate(visible[split..]);
                }
            }
        }

        var tail = citations.Push(reasoning.Flush()) + citations.Flush();
        if (tail.Length > 0)
        {
            shown.Append(tail);
            yield return new AnswerTextUpdate(tail);
        }

        var end = run.Clock.Elapsed;
        foreach (var claim in claimSplitter.Push(tail).Concat(claimSplitter.Flush()))
        {
            var checkedClaim = await _kernel.CheckClaimAsync(claim, sources, cancellationToken).ConfigureAwait(false);
            claims.Add(checkedClaim);
            yield return new ClaimCheckedUpdate(checkedClaim);
        }

        var evidenceMs = (run.Clock.Elapsed - end).TotalMilliseconds;
        var answer = shown.ToString().Trim();
        var refused = RefusalDetector.IsRefusal(answer, _options.RefusalPhrase);
        if (citations.Invalid.Count > 0)
        {
            Log.InvalidCitations(_logger, string.Join(", ", citations.Invalid), sources.Count);
        }

        // The runtime's own counts when it reports them; otherwise the packer's prompt count and a re-count of the text.
        var answerUsage = new AnswerUsage(
            (int?)usage?.InputTokenCount ?? prompt.PromptTokens,
            (int?)usage?.OutputTokenCount ?? tokenizer.CountTokens(raw.ToString()))
        {
            CachedPromptTokens = (int?)usage?.CachedInputTokenCount,
        };
        var firstTokenAt = firstToken ?? end;
        var timings = run.Timings(firstTokenAt.TotalMilliseconds, (end - firstTokenAt).TotalMilliseconds) with
        {
            PromptMs = (firstTokenAt - modelStart).TotalMilliseconds,
            EvidenceMs = evidenceMs,
        };
        // The client's own reason when it gives one; otherwise an answer that used its whole budget was cut there.
        var cut = finishReason is { } reason
            ? reason == ChatFinishReason.Length
            : answerUsage.CompletionTokens >= prompt.AnswerBudget;
        if (answerUsage.CachedPromptTokens is { } cachedTokens)
        {
            Log.Answered(_logger, answerUsage.PromptTokens, cachedTokens, answerUsage.CompletionTokens, citations.Cited.Count, refused, timings.TotalMs);
        }
        else
        {
            // A server that reports no cache use: no "(null) from the KV cache".
            Log.AnsweredWithoutCacheUse(_logger, answerUsage.PromptTokens, answerUsage.CompletionTokens, citations.Cited.Count, refused, timings.TotalMs);
        }

        var completed = run.Complete(answer, ToCitations(citations.Cited, sources), sources, citations.Invalid, refused, AnswerMode.Generated, answerUsage, timings);
        yield return new AnswerCompletedUpdate(completed.Result with
        {
            FinishReason = cut ? AnswerFinishReason.Length : AnswerFinishReason.Stop,
            AnswerTokenLimit = prompt.AnswerBudget,
            Claims = refused ? [] : claims,
        });
    }

    // Null when the context is too small for the prompts and a single source.
    private async Task<AnswerPrompt?> BuildPromptAsync(
        ITokenizer tokenizer, int contextSize, IReadOnlyList<AnswerSource> candidates, string question, int? maxAnswerTokens, CancellationToken cancellationToken)
    {

        // A quarter of a small context is the most the answer may take, so sources still fit; the limit is passed to
        // the model too, so neither side can overflow. A caller may ask for less, never for more.
        var answerBudget = Math.Min(Math.Min(_options.MaxAnswerTokens, contextSize / 4), maxAnswerTokens ?? int.MaxValue);
        var overhead = 2 * _options.MessageOverheadTokens;
        var system = await _prompts.RenderSystemAsync(_kernel.Kernel, _options.RefusalPhrase, cancellationToken).ConfigureAwait(false);
        var systemTokens = tokenizer.CountTokens(system);
        var bareUser = await _prompts.RenderAnswerAsync(_kernel.Kernel, string.Empty, question, cancellationToken).ConfigureAwait(false);
        var room = contextSize - answerBudget - overhead - systemTokens - tokenizer.CountTokens(bareUser);
        var budget = Math.Min(room, _options.MaxSourceTokens);
        var packer = new ContextPacker(tokenizer);

        // Token counts of joined text can differ slightly from the sum of the parts, so the rendered prompt is
        // measured again and the source budget shrinks by any overflow until it fits.
        while (budget > 0)
        {
            var packed = packer.Pack(candidates, budget);
            if (packed.Sources.Count == 0)
            {
                break;
            }

            // Rendered once: the messages measured here are the messages the model gets.
            var user = await _prompts.RenderAnswerAsync(_kernel.Kernel, packed.Block, question, cancellationToken).ConfigureAwait(false);
            ChatMessage[] messages = [new(ChatRole.System, system), new(ChatRole.User, user)];
            var promptTokens = tokenizer.CountPromptTokens(messages) ?? systemTokens + tokenizer.CountTokens(user) + overhead;
            var overflow = promptTokens + answerBudget - contextSize;
            if (overflow <= 0)
            {
                if (packed.Dropped > 0 || packed.Trimmed)
                {
                    Log.Packed(_logger, packed.Sources.Count, packed.Dropped, packed.Trimmed, contextSize);
                }

                return new AnswerPrompt(messages, packed, promptTokens, answerBudget);
            }

            budget -= overflow;
        }

        var questionTokens = tokenizer.CountTokens(question);
        if (questionTokens > contextSize / 4)
        {
            throw new ArgumentException(
                $"The question is too long for the chat model's context ({questionTokens} of {contextSize} tokens, " +
                $"{answerBudget} reserved for the answer): no source fits beside it. Shorten the question.",
                nameof(question));
        }

        // The model's context cannot hold the prompts and one source: quoting the sources still answers the user.
        Log.ContextTooSmall(_logger, contextSize, _prompts.Folder, answerBudget);
        return null;
    }

    /// <summary>
    /// The sources every mode offers: the ranking's prefix down to the last source whose relevance passes
    /// <paramref name="minRelevance"/>, renumbered from 1. The ranking is the better judge of order (fusion beats
    /// relevance alone at ranking), so a source ranked above a passing one is kept even when its own relevance is
    /// lower ("Direct Alignment of Draft Model for Speculative Decoding", second with 0.124, was dropped while a
    /// weaker third at 0.164 stayed); the sources ranked below the last passing one (the fused list's padding) go.
    /// </summary>
    /// <param name="sources">The sources in rank order.</param>
    /// <param name="minRelevance">The relevance a source needs to extend the prefix (Answering:MinRelevance).</param>
    /// <returns>The kept prefix, numbered 1..n; empty when no source passes.</returns>
    internal static List<AnswerSource> OnTopic(IReadOnlyList<AnswerSource> sources, double minRelevance)
    {
        var last = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i].Relevance >= minRelevance)
            {
                last = i;
            }
        }

        return sources.Take(last + 1).Select((s, i) => s with { Number = i + 1 }).ToList();
    }

    private static List<AnswerSource> ToSources(IReadOnlyList<RetrievedPassage> hits)
    {
        // One source per paper, in the rank of its best passage; several passages of a long document are joined.
        // Every front end shows a source's Score: it is the score that ranked the passage (fused, or the single
        // retriever's), so the shown scores always follow the order. The relevance the "not covered" gate judges can
        // disagree with that order (keyword coverage ranks worse than BM25 or fusion), so it travels separately.
        var sources = new List<AnswerSource>();
        foreach (var group in hits.GroupBy(h => h.Paper.Id))
        {
            var best = group.First();
            var text = string.Join(Evidence.SourceSentences.PassageSeparator, group.Select(h => h.Passage.Text.Trim()).Where(t => t.Length > 0).Distinct());
            // The source's own reference markers ("prior work [2]") would read as our source numbers: neutralised
            // here, so the prompt, the quotes of retrieval-only mode and every front end see the same text.
            sources.Add(new AnswerSource(
                sources.Count + 1,
                best.Paper.Id,
                CitationStreamParser.NeutralizeSourceMarkers(best.Paper.Title),
                best.Paper.Date,
                best.Paper.SourceFile,
                best.Score,
                CitationStreamParser.NeutralizeSourceMarkers(text.Length > 0 ? text : best.Paper.Abstract))
            {
                SourceFiles = best.Paper.SourceFiles,
                FromListing = best.Paper.FromListing,
                Relevance = group.Max(h => h.RelevanceScore),
            });
        }

        return sources;
    }

    private static List<AnswerCitation> ToCitations(IReadOnlyList<int> cited, IReadOnlyList<AnswerSource> sources) =>
        cited.Select(n => sources.First(s => s.Number == n)).Select(s => new AnswerCitation(s.Number, s.PaperId, s.Title)).ToList();

    /// <summary>What every outcome of one request shares: the question, the query searched and the clock.</summary>
    private sealed record AnswerRun(string Question, string SearchQuery, Stopwatch Clock, double RewriteMs, double RetrievalMs, string? RetrievalNotice)
    {
        public AnswerTimings Timings(double firstTextMs, double generationMs) =>
            new(RetrievalMs, firstTextMs, generationMs, Clock.Elapsed.TotalMilliseconds) { RewriteMs = RewriteMs };

        public AnswerCompletedUpdate Complete(
            string answer,
            IReadOnlyList<AnswerCitation> citations,
            IReadOnlyList<AnswerSource> sources,
            IReadOnlyList<int> invalidCitations,
            bool refused,
            AnswerMode mode,
            AnswerUsage usage,
            AnswerTimings timings) =>
            new(new AnswerResult(Question, SearchQuery, answer, citations, sources, [.. invalidCitations], refused, mode, usage, timings) { RetrievalNotice = RetrievalNotice });
    }

    private sealed record AnswerPrompt(IList<ChatMessage> Messages, PackedSources Sources, int PromptTokens, int AnswerBudget);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Retrieved {Hits} hits for '{Query}' ({Mode}); best relevance {Relevance:0.000}")]
        public static partial void Retrieved(ILogger logger, string query, int hits, double relevance, RetrieverKind mode);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding the quote candidates failed ({Reason}); quotes are chosen by shared words")]
        public static partial void QuoteSimilarityFailed(ILogger logger, Exception exception, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Not covered: best relevance {Relevance:0.000} is below {Threshold:0.000}; the model is not called")]
        public static partial void NotCovered(ILogger logger, double relevance, double threshold);

        [LoggerMessage(Level = LogLevel.Information, Message = "Not covered: no paper mentions {Names}, which the question names; the model is not called")]
        public static partial void NamesNotInCorpus(ILogger logger, string names);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Packed {Sources} sources ({Dropped} dropped, trimmed: {Trimmed}) into a context of {ContextSize} tokens")]
        public static partial void Packed(ILogger logger, int sources, int dropped, bool trimmed, int contextSize);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The chat model's context of {ContextSize} tokens cannot hold the prompts in '{PromptsFolder}', {AnswerBudget} answer tokens and one source; answering retrieval-only. Load the model with a larger context size or shorten the System prompt")]
        public static partial void ContextTooSmall(ILogger logger, int contextSize, string promptsFolder, int answerBudget);

        [LoggerMessage(Level = LogLevel.Information, Message = "The answer cites [{Numbers}], but only sources 1-{Offered} were offered; flagged as invalid")]
        public static partial void InvalidCitations(ILogger logger, string numbers, int offered);

        [LoggerMessage(Level = LogLevel.Information, Message = "Answered: {PromptTokens} prompt ({CachedPromptTokens} from the KV cache) + {CompletionTokens} completion tokens, {Cited} sources cited, refused: {Refused}, {TotalMs:0} ms")]
        public static partial void Answered(ILogger logger, int promptTokens, int cachedPromptTokens, int completionTokens, int cited, bool refused, double totalMs);

        [LoggerMessage(Level = LogLevel.Information, Message = "Answered: {PromptTokens} prompt + {CompletionTokens} completion tokens, {Cited} sources cited, refused: {Refused}, {TotalMs:0} ms")]
        public static partial void AnsweredWithoutCacheUse(ILogger logger, int promptTokens, int completionTokens, int cited, bool refused, double totalMs);
    }
}
