using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Evidence;

/// <summary>
/// The evidence check (<see cref="IEvidenceChecker"/>): the embedder's cosine similarity of claim and sentence
/// combined with word overlap (<see cref="EvidenceOptions"/>), or word overlap alone without an embedder. Source
/// sentences come embedded from the corpus index (<see cref="ISourceSentenceVectors"/>); one the index has not
/// embedded yet is embedded once, in one batch with the others missing, and kept. Per claim, only the claim is embedded.
/// </summary>
public sealed class EvidenceChecker : IEvidenceChecker
{
    // Sentences embedded here because the index had not (yet): bounded, so a long-running service cannot grow without end.
    private const int MaxOwnVectors = 100_000;

    private readonly EvidenceOptions _options;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embedder;
    private readonly ISourceSentenceVectors? _indexVectors;
    private readonly ConcurrentDictionary<string, ReadOnlyMemory<float>> _ownVectors = new(StringComparer.Ordinal);

    /// <summary>Creates the checker.</summary>
    /// <param name="options">Score weights and thresholds.</param>
    /// <param name="embedder">Embeds claims (and sentences the index lacks); null scores by word overlap alone.</param>
    /// <param name="indexVectors">The sentence vectors the corpus index computed, or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public EvidenceChecker(IOptions<EvidenceOptions> options, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, ISourceSentenceVectors? indexVectors = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _embedder = embedder;
        _indexVectors = indexVectors;
    }

    /// <summary>True when scores combine the embedder's similarity with word overlap; false for word overlap alone.</summary>
    public bool UsesEmbeddings => _embedder is not null;

    /// <summary>The score at or above which a source supports a claim, for the scoring in use.</summary>
    public double Threshold => UsesEmbeddings ? _options.SupportThreshold : _options.LexicalSupportThreshold;

    /// <summary>A claim that quotes <paramref name="sentence"/> of source <paramref name="number"/> verbatim: supported, score 1.</summary>
    public static AnswerClaim Quote(string sentence, int number) =>
        new(sentence, [number], ClaimVerdict.Supported, [new ClaimEvidence(number, sentence, 1)], []);

    /// <inheritdoc/>
    public async Task<AnswerClaim> CheckAsync(ClaimText claim, IReadOnlyList<AnswerSource> sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(sources);
        var best = new Dictionary<int, ClaimEvidence>();
        foreach (var (number, supports) in await MeasureAsync(claim.Text, sources, cancellationToken).ConfigureAwait(false))
        {
            var top = supports.Select(s => new ClaimEvidence(number, s.Sentence, Score(s))).MaxBy(e => e.Score);
            if (top is not null)
            {
                best[number] = top with { Score = Math.Round(top.Score, 2) };
            }
        }

        var threshold = Threshold;
        var cited = claim.Cited.Where(best.ContainsKey).ToList();
        var supporting = cited.Count(n => best[n].Score >= threshold);
        var verdict = claim.Cited.Count == 0 ? ClaimVerdict.Uncited
            : supporting == claim.Cited.Count ? ClaimVerdict.Supported
            : supporting > 0 ? ClaimVerdict.Partly
            : ClaimVerdict.Unsupported;
        IReadOnlyList<int> suggested = verdict == ClaimVerdict.Supported
            ? []
            : [.. best.Values.Where(e => !claim.Cited.Contains(e.Number) && e.Score >= threshold).OrderByDescending(e => e.Score).Select(e => e.Number)];
        return new AnswerClaim(claim.Text, claim.Cited, verdict, [.. cited.Concat(suggested).Select(n => best[n])], suggested);
    }

    /// <summary>
    /// The raw measurements behind the scores: for each source, every sentence with its cosine similarity to the claim
    /// (null without an embedder) and its word overlap. For tuning <see cref="EvidenceOptions"/> on a labelled set.
    /// </summary>
    /// <param name="claim">The claim text; citation markers are ignored.</param>
    /// <param name="sources">The sources to measure against.</param>
    /// <param name="cancellationToken">Cancels embedding.</param>
    public async Task<IReadOnlyList<(int Number, IReadOnlyList<SentenceSupport> Sentences)>> MeasureAsync(
        string claim, IReadOnlyList<AnswerSource> sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(sources);
        var plain = ClaimSplitter.Plain(claim);
        var claimTerms = ContentWords.Terms(plain);
        var sentencesBySource = sources.Select(s => (s.Number, Sentences: SourceSentences.Split(s.Text))).ToList();
        ReadOnlyMemory<float>? claimVector = null;
        Dictionary<string, ReadOnlyMemory<float>>? vectors = null;
        if (_embedder is not null && plain.Length > 0)
        {
            vectors = await SentenceVectorsAsync(sentencesBySource.SelectMany(s => s.Sentences), cancellationToken).ConfigureAwait(false);
            claimVector = (await _embedder.GenerateAsync([plain], EmbeddingInputType.Options(EmbeddingInputType.Document), cancellationToken).ConfigureAwait(false))[0].Vector;
        }

        return [.. sentencesBySource.Select(s => (s.Number, (IReadOnlyList<SentenceSupport>)[.. s.Sentences.Select(sentence => new SentenceSupport(
            sentence,
            claimVector is { } c && vectors!.TryGetValue(sentence, out var v) && v.Length == c.Length ? TensorPrimitives.CosineSimilarity(c.Span, v.Span) : null,
            Overlap(claimTerms, sentence)))]))];
    }

    /// <summary>The support score of one measured sentence under the configured weights.</summary>
    public double Score(SentenceSupport support)
    {
        ArgumentNullException.ThrowIfNull(support);
        if (support.Cosine is not { } cosine)
        {
            return support.Overlap;
        }

        var similarity = Math.Clamp((cosine - _options.SimilarityFloor) / (1 - _options.SimilarityFloor), 0, 1);
        return (_options.SimilarityWeight * similarity) + ((1 - _options.SimilarityWeight) * support.Overlap);
    }

    // The share of the claim's content words that the sentence holds.
    private static double Overlap(HashSet<string> claimTerms, string sentence) =>
        claimTerms.Count == 0 ? 0 : (double)ContentWords.Terms(sentence).Count(claimTerms.Contains) / claimTerms.Count;

    private async Task<Dictionary<string, ReadOnlyMemory<float>>> SentenceVectorsAsync(IEnumerable<string> sentences, CancellationToken cancellationToken)
    {
        var vectors = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        var missing = new List<string>();
        var all = sentences as IReadOnlyCollection<string> ?? sentences.ToList();
        var indexed = _indexVectors is null ? null : await _indexVectors.GetAsync(all, cancellationToken).ConfigureAwait(false);
        foreach (var sentence in all)
        {
            if (vectors.ContainsKey(sentence))
            {
                continue;
            }

            if (indexed?.TryGetValue(sentence, out var vector) == true || _ownVectors.TryGetValue(sentence, out vector))
            {
                vectors[sentence] = vector;
            }
            else if (!missing.Contains(sentence))
            {
                missing.Add(sentence);
            }
        }

        if (missing.Count > 0)
        {
            var embedded = await _embedder!.GenerateAsync(missing, EmbeddingInputType.Options(EmbeddingInputType.Document), cancellationToken).ConfigureAwait(false);
            if (_ownVectors.Count + missing.Count > MaxOwnVectors)
            {
                _ownVectors.Clear();
            }

            for (var i = 0; i < missing.Count && i < embedded.Count; i++)
            {
                vectors[missing[i]] = embedded[i].Vector;
                _ownVectors[missing[i]] = embedded[i].Vector;
            }
        }

        return vectors;
    }
}

/// <summary>One source sentence measured against a claim.</summary>
/// <param name="Sentence">The sentence, verbatim.</param>
/// <param name="Cosine">The embedder's cosine similarity of claim and sentence; null without an embedder.</param>
/// <param name="Overlap">The share of the claim's content words the sentence holds, in [0, 1].</param>
public sealed record SentenceSupport(string Sentence, double? Cosine, double Overlap);
