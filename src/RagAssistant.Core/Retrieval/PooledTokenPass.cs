using System.Diagnostics;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// The second dense retriever's passage vectors and the token-level match's token vectors from one model pass: the
/// passages are asked for at token granularity (<see cref="TokenVectors.Options"/>), and a model that carries each
/// text's pooled vector beside its token vectors (<see cref="TokenVectors.PooledKey"/>, as the bundled MiniLM does)
/// gives the passage vector from the same pass; the token vectors wait here for the token step, which then embeds
/// only the passages this pass did not see. One build's pass, used by one job at a time.
/// </summary>
/// <remarks>
/// <para>
/// The first batch's answer tells whether the model gives pooled vectors. One that does not (or that makes no token
/// vectors) is asked for document embeddings, that batch and the rest, as before: two passes, with the first batch's
/// token vectors kept so that the token step does not embed them again.
/// </para>
/// <para>
/// The build's token cache is held here too (<see cref="Cache"/>, loaded once, when first needed): every
/// <c>keepInterval</c> the pass adds what it made to it (<see cref="Keep"/>), as the passage job saves its vectors, so a
/// process ended at once (Ctrl+C in <c>index</c>) loses at most that interval of work; a build stopped otherwise keeps
/// everything.
/// </para>
/// </remarks>
/// <param name="generator">The second embedding model.</param>
/// <param name="dimensions">The length of one of its token vectors.</param>
/// <param name="loadCache">Loads the build's token cache file.</param>
/// <param name="keepInterval">How often the token vectors made are added to the cache file (<see cref="RetrievalOptions.EmbeddingCacheSaveInterval"/>).</param>
internal sealed class PooledTokenPass(IEmbeddingGenerator<string, Embedding<float>> generator, int dimensions, Func<TokenVectorCache> loadCache, TimeSpan keepInterval)
{
    private readonly Dictionary<string, (Half[] Vectors, int[] Ids)> _tokens = new(StringComparer.Ordinal);
    private readonly Lazy<TokenVectorCache> _cache = new(loadCache);
    private long _lastKeep = Stopwatch.GetTimestamp();
    private bool _pooled = true;

    /// <summary>The build's token cache, loaded at the first use.</summary>
    public TokenVectorCache Cache => _cache.Value;

    /// <summary>
    /// Adds <paramref name="made"/> and this pass's own token vectors to the cache file (<see cref="TokenVectorCache.SaveAdding"/>):
    /// periodically, and when the build stops before its token vectors are all made, so the next start embeds only the rest.
    /// </summary>
    /// <param name="made">Token vectors made since, by the token step.</param>
    public void Keep(IEnumerable<(string Hash, Half[] Vectors, int[] Ids)> made)
    {
        Cache.SaveAdding(made.Concat(_tokens.Select(t => (t.Key, t.Value.Vectors, t.Value.Ids))));
        _lastKeep = Stopwatch.GetTimestamp();
    }

    /// <summary>True when <c>keepInterval</c> has passed since the last <see cref="Keep"/>.</summary>
    public bool KeepDue => Stopwatch.GetElapsedTime(_lastKeep) >= keepInterval;

    /// <summary>The token vectors this pass made for the text whose hash (<see cref="EmbeddingCache.HashText"/>) is <paramref name="textHash"/>.</summary>
    /// <param name="textHash">The hash of the embedded text.</param>
    /// <param name="entry">Its token vectors and ids, as held.</param>
    /// <returns>True when this pass made them.</returns>
    public bool TryGet(string textHash, out (Half[] Vectors, int[] Ids) entry) => _tokens.TryGetValue(textHash, out entry);

    /// <summary>Lets the token vectors go once the token step has them.</summary>
    public void Clear() => _tokens.Clear();

    /// <summary>
    /// Embeds a batch of passage texts: their pooled vectors, in order, from the token-level pass while the model gives
    /// them, else from a document embedding (<see cref="PassageEmbeddingJob"/> checks the vectors as it checks the model's).
    /// </summary>
    /// <param name="texts">The passages' texts (<see cref="CorpusIndex.EmbeddingText"/>).</param>
    /// <param name="cancellationToken">Stops the model's call.</param>
    /// <returns>One embedding per text, in order.</returns>
    public async Task<IReadOnlyList<Embedding<float>>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (_pooled)
        {
            var embedded = await generator.GenerateAsync(texts, TokenVectors.Options, cancellationToken).ConfigureAwait(false);
            var pooled = new Embedding<float>[texts.Count];
            _pooled = embedded.Count == texts.Count;
            for (var j = 0; j < texts.Count && j < embedded.Count; j++)
            {
                if (TokenVectors.Compact(embedded[j], dimensions) is { } tokens)
                {
                    _tokens[EmbeddingCache.HashText(texts[j])] = tokens;
                }

                if (TokenVectors.ReadPooled(embedded[j]) is { } vector)
                {
                    pooled[j] = new Embedding<float>(vector);
                }
                else
                {
                    _pooled = false;
                }
            }

            if (KeepDue)
            {
                Keep([]);
            }

            if (_pooled)
            {
                return pooled;
            }
        }

        return await generator.GenerateAsync(texts, EmbeddingInputType.Options(EmbeddingInputType.Document), cancellationToken).ConfigureAwait(false);
    }
}
