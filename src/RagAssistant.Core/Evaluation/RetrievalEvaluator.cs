using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Evaluation;

/// <summary>
/// Measures a retriever on a question set in the dev.jsonl format: Recall@5, Recall@10 and MRR@10 over the
/// distinct papers retrieved, overall and per question kind. Gold papers are matched by normalised title.
/// Unanswerable questions (no gold papers) are left out of recall and counted separately; they are used to
/// measure how well the top hit's RelevanceScore separates answerable from unanswerable questions.
/// </summary>
/// <param name="retriever">The retriever measured (<see cref="ArgumentNullException"/> when null).</param>
/// <param name="catalog">Maps retrieved passages to papers (<see cref="ArgumentNullException"/> when null).</param>
/// <param name="index">When given, built and its vectors awaited before the first question; null = the caller did.</param>
public sealed class RetrievalEvaluator(IPaperRetriever retriever, IPaperCatalog catalog, ICorpusIndex? index = null)
{
    private const int Depth = 10;

    private readonly IPaperRetriever _retriever = retriever ?? throw new ArgumentNullException(nameof(retriever));
    private readonly IPaperCatalog _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));

    /// <summary>Evaluates <paramref name="kind"/> on the question set at <paramref name="setPath"/>.</summary>
    /// <param name="setPath">A JSONL question set (dev.jsonl format).</param>
    /// <param name="kind">The retriever to measure.</param>
    /// <param name="cancellationToken">Stops between questions.</param>
    /// <returns>Recall@5, Recall@10 and MRR@10 overall and per kind, the relevance separation, and each question's outcome.</returns>
    /// <exception cref="ArgumentException"><paramref name="setPath"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The question set does not exist.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<RetrievalEvalReport> EvaluateAsync(string setPath, RetrieverKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(setPath);
        if (!File.Exists(setPath))
        {
            throw new FileNotFoundException($"Question set '{setPath}' does not exist.", setPath);
        }

        if (index is { IsReady: false })
        {
            await index.BuildAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        // Dense and hybrid numbers need every vector: wait rather than measure BM25 under their label.
        if (kind != RetrieverKind.Bm25 && index is not null)
        {
            await index.WaitForVectorsAsync(cancellationToken).ConfigureAwait(false);
        }

        var problems = new List<string>();
        var questions = EvalQuestion.ReadSet(setPath, problems);
        var known = _catalog.Papers.Select(p => PaperIdentity.NormalizeTitle(p.Title)).ToHashSet(StringComparer.Ordinal);
        foreach (var question in questions)
        {
            foreach (var missing in question.GoldTitles.Where(t => !known.Contains(PaperIdentity.NormalizeTitle(t))))
            {
                problems.Add($"{question.Id}: gold paper \"{missing}\" is not in the corpus (counts as not found)");
            }
        }

        var outcomes = new List<QuestionOutcome>(questions.Count);
        RetrieverKind? mode = null;
        string? notice = null;
        foreach (var question in questions)
        {
            var result = await _retriever.SearchAsync(question.Question, Depth, kind, cancellationToken).ConfigureAwait(false);
            mode ??= result.Mode;
            notice ??= result.Notice;
            outcomes.Add(Score(question, result));
        }

        var answerable = outcomes.Where(o => o.RecallAt5 is not null).ToList();
        var byKind = answerable.GroupBy(o => o.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Aggregate(g.ToList()), StringComparer.Ordinal);
        var unanswerable = outcomes.Where(o => o.RecallAt5 is null).ToList();

        return new RetrievalEvalReport(
            Path.GetFileName(setPath),
            RetrievalEvalReport.Name(kind),
            RetrievalEvalReport.Name(mode ?? kind),
            notice,
            Aggregate(answerable),
            byKind,
            unanswerable.Count,
            Separate(answerable.Select(o => o.TopRelevance).ToList(), unanswerable.Select(o => o.TopRelevance).ToList()),
            problems,
            outcomes);
    }

    private static QuestionOutcome Score(EvalQuestion question, RetrievalResult result)
    {
        var ranked = result.Hits.Select(h => h.Paper).DistinctBy(p => p.Id).Take(Depth).Select(p => PaperIdentity.NormalizeTitle(p.Title)).ToList();
        var topRelevance = result.Hits.Count > 0 ? result.Hits[0].RelevanceScore : 0;
        var topTitles = result.Hits.Select(h => h.Paper.Title).Distinct().Take(3).ToList();
        if (question.IsUnanswerable)
        {
            return new QuestionOutcome(question.Id, question.Kind, [], null, null, null, topRelevance, topTitles);
        }

        var goldRanks = question.GoldTitles
            .Select(t => ranked.IndexOf(PaperIdentity.NormalizeTitle(t)) is var i and >= 0 ? i + 1 : (int?)null)
            .ToList();
        double gold = goldRanks.Count;
        var firstRank = goldRanks.Where(r => r is not null).Select(r => r!.Value).DefaultIfEmpty(0).Min();
        return new QuestionOutcome(
            question.Id,
            question.Kind,
            goldRanks,
            goldRanks.Count(r => r <= 5) / gold,
            goldRanks.Count(r => r <= 10) / gold,
            firstRank > 0 ? 1.0 / firstRank : 0,
            topRelevance,
            topTitles);
    }

    private static RetrievalMetrics Aggregate(List<QuestionOutcome> outcomes) => outcomes.Count == 0
        ? new RetrievalMetrics(0, 0, 0, 0)
        : new RetrievalMetrics(
            Math.Round(outcomes.Average(o => o.RecallAt5!.Value), 4),
            Math.Round(outcomes.Average(o => o.RecallAt10!.Value), 4),
            Math.Round(outcomes.Average(o => o.MrrAt10!.Value), 4),
            outcomes.Count);

    /// <summary>
    /// The refusal threshold that best separates the two groups (answer when relevance ≥ threshold): the one that
    /// refuses the most unanswerable questions while refusing at most <see cref="MaxAnswerableRefused"/> of the
    /// answerable ones, the target the shipped gate was chosen for. Plain accuracy would favour answering everything
    /// when unanswerable questions are few (48 answerable and 16 unanswerable: 0.006, refusing one uncovered question).
    /// </summary>
    internal static RelevanceSeparation? Separate(IReadOnlyList<double> answerable, IReadOnlyList<double> unanswerable)
    {
        if (answerable.Count == 0 || unanswerable.Count == 0)
        {
            return null;
        }

        var values = answerable.Concat(unanswerable).Distinct().Order().ToList();
        var candidates = new List<double> { values[0] - 0.001 };
        candidates.AddRange(values.Zip(values.Skip(1), (a, b) => (a + b) / 2));
        candidates.Add(values[^1] + 0.001);

        var allowed = (int)Math.Floor(MaxAnswerableRefused * answerable.Count);
        var best = candidates
            .Select(t => (Threshold: t, Refused: answerable.Count(v => v < t), Accepted: unanswerable.Count(v => v >= t)))
            .Where(x => x.Refused <= allowed)
            .OrderBy(x => x.Accepted)
            .ThenBy(x => x.Refused)
            .First();

        return new RelevanceSeparation(
            Distribution(answerable),
            Distribution(unanswerable),
            Math.Round(best.Threshold, 4),
            Math.Round(1 - ((double)(best.Refused + best.Accepted) / (answerable.Count + unanswerable.Count)), 4),
            best.Refused,
            best.Accepted);
    }

    /// <summary>The largest share of answerable questions the suggested threshold may refuse (issue 22's target).</summary>
    internal const double MaxAnswerableRefused = 0.05;

    private static ScoreDistribution Distribution(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return new ScoreDistribution(Math.Round(sorted[0], 4), Math.Round(median, 4), Math.Round(sorted[^1], 4), sorted.Select(v => Math.Round(v, 4)).ToList());
    }
}
