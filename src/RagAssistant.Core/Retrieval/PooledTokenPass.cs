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
/// The first batch's answer tells whether the model gives pooled vectors. One that does not (or that makes no token
/// vectors) is asked for document embeddings, that batch and the rest, as before: two passes, with the first batch's
/// token vectors kept so that the token step does not embed them again.
/// </remarks>
/// <param name="generator">The second embedding model.</param>
/// <param name="dimensions">The length of one of its token vectors.</param>
internal sealed class PooledTokenPass(IEmbeddingGenerator<string, Embedding<float>> generator, int dimensions)
{
    private readonly Dictionary<string, (Half[] Vectors, int[] Ids)> _tokens = new(StringComparer.Ordinal);
    private bool _pooled = true;

    /// <summary>The token vectors this pass made for the text whose hash (<see cref="EmbeddingCache.HashText"/>) is <paramref name="textHash"/>.</summary>
    /// <param name="textHash">The hash of the embedded text.</param>
    /// <param name="entry">Its token vectors and ids, as held.</param>
    /// <returns>True when this pass made them.</returns>
    public bool TryGet(string textHash, out (Half[] Vectors, int[] Ids) entry) => _tokens.TryGetValue(textHash, out entry);

    /// <summary>The token vectors this pass made and holds, by text hash: kept in the token cache when the build stops early.</summary>
    public IEnumerable<(string Hash, Half[] Vectors, int[] Ids)> Made => _tokens.Select(t => (t.Key, t.Value.Vectors, t.Value.Ids));

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

            if (_pooled)
            {
                return pooled;
            }
        }

        return await generator.GenerateAsync(texts, EmbeddingInputType.Options(EmbeddingInputType.Document), cancellationToken).ConfigureAwait(false);
    }
}
