using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Tests.Evidence;

public sealed class EvidenceCheckerTests
{
    private static readonly AnswerSource[] Sources =
    [
        Source(1, "Diffusion-LM", "Controlling the behavior of language models without re-training is a major open problem. We develop a new non-autoregressive language model based on continuous diffusions that we call Diffusion-LM. Building upon the recent successes of diffusion models in continuous domains, Diffusion-LM iteratively denoises a sequence of Gaussian vectors into word vectors, yielding a sequence of intermediate latent variables."),
        Source(2, "Extracting Latent Steering Vectors", "Prior work on controllable text generation has focused on learning how to control language models through trainable decoding. We extract steering vectors directly from pretrained language model decoders without fine-tuning. Steering vectors recover target sentences with a BLEU score above 99."),
        Source(3, "Densing Law of LLMs", "Capacity density is the effective parameter size divided by the actual parameter size … The maximum capacity density of open-source models doubles about every three months."),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AnswerSource Source(int number, string title, string text) => new(number, $"p{number}", title, null, "test.txt", 1.0 / number, text);

    private static EvidenceChecker Lexical() => new(Options.Create(new EvidenceOptions()));

    [Fact]
    public async Task A_claim_its_cited_source_holds_is_supported_with_the_sentence_quoted_verbatim()
    {
        var claim = await Lexical().CheckAsync(new ClaimText("Diffusion-LM iteratively denoises Gaussian vectors into word vectors [1].", [1]), Sources, Ct);

        Assert.Equal(ClaimVerdict.Supported, claim.Verdict);
        var evidence = Assert.Single(claim.Evidence);
        Assert.Equal(1, evidence.Number);
        Assert.Contains(evidence.Sentence, Sources[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("Building upon the recent successes", evidence.Sentence, StringComparison.Ordinal);
        Assert.InRange(evidence.Score, new EvidenceOptions().LexicalSupportThreshold, 1);
        Assert.Empty(claim.Suggested);
    }

    [Fact]
    public async Task A_claim_cited_to_the_wrong_source_is_unsupported_and_suggests_the_right_one_with_its_evidence()
    {
        var claim = await Lexical().CheckAsync(new ClaimText("Diffusion-LM iteratively denoises Gaussian vectors into word vectors [2].", [2]), Sources, Ct);

        Assert.Equal(ClaimVerdict.Unsupported, claim.Verdict);
        Assert.Equal([1], claim.Suggested);

        // One evidence entry per cited source, then one per suggested source.
        Assert.Equal([2, 1], claim.Evidence.Select(e => e.Number));
        Assert.True(claim.Evidence[0].Score < claim.Evidence[1].Score);
    }

    [Fact]
    public async Task Uncited_and_partly_supported_claims_get_their_verdicts_and_summary()
    {
        var checker = Lexical();
        var uncited = await checker.CheckAsync(new ClaimText("The capacity density of open-source models doubles every three months.", []), Sources, Ct);
        var partly = await checker.CheckAsync(new ClaimText("The capacity density of open-source models doubles every three months [2][3].", [2, 3]), Sources, Ct);

        Assert.Equal(ClaimVerdict.Uncited, uncited.Verdict);
        Assert.Equal([3], uncited.Suggested);
        Assert.Equal(3, Assert.Single(uncited.Evidence).Number);
        Assert.Equal(ClaimVerdict.Partly, partly.Verdict);
        Assert.Empty(partly.Suggested);
        Assert.Equal(new GroundingSummary(2, 0, 1, 0, 1), GroundingSummary.Of([uncited, partly]));

        // Sentences of a long paper's passages are quoted whole, never across the join.
        Assert.DoesNotContain("…", partly.Evidence[1].Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_embedder_only_the_claim_is_embedded_once_the_index_holds_the_sentences()
    {
        var embedder = new CountingEmbedder();
        var indexVectors = new SentenceVectors(Sources.SelectMany(s => SourceSentences.Split(s.Text)), embedder);
        embedder.Texts.Clear();
        var checker = new EvidenceChecker(Options.Create(new EvidenceOptions()), embedder, indexVectors);

        var claim = await checker.CheckAsync(new ClaimText("Steering vectors are extracted from pretrained decoders without fine-tuning [2].", [2]), Sources, Ct);

        Assert.Equal(["Steering vectors are extracted from pretrained decoders without fine-tuning."], embedder.Texts);
        Assert.Equal(ClaimVerdict.Supported, claim.Verdict);
        Assert.InRange(claim.Evidence[0].Score, 0, 1);
    }

    // Bag-of-words vectors: texts sharing words are close, as an embedder makes them.
    private sealed class CountingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        public List<string> Texts { get; } = [];

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Texts.AddRange(list);
            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(list.Select(Embed)));
        }

        public static Embedding<float> Embed(string text)
        {
            var vector = new float[64];
            foreach (var word in text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                vector[(word.GetHashCode(StringComparison.Ordinal) & 0x7fffffff) % 64] += 1;
            }

            return new Embedding<float>(vector);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class SentenceVectors(IEnumerable<string> sentences, CountingEmbedder embedder) : ISourceSentenceVectors
    {
        private readonly Dictionary<string, ReadOnlyMemory<float>> _vectors = sentences.Distinct().ToDictionary(s => s, s => CountingEmbedder.Embed(s).Vector);

        public Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetAsync(IEnumerable<string> sentences, CancellationToken cancellationToken = default)
        {
            _ = embedder;
            return Task.FromResult<IReadOnlyDictionary<string, ReadOnlyMemory<float>>>(sentences.Distinct().Where(_vectors.ContainsKey).ToDictionary(s => s, s => _vectors[s]));
        }
    }
}
