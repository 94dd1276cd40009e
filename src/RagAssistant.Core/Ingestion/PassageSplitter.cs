using System.Globalization;

namespace RagAssistant.Core.Ingestion;

/// <summary>
/// Splits documents longer than an abstract into overlapping passages at sentence boundaries, sized in the
/// embedding model's tokens so no passage is truncated by the model. Abstracts stay whole: they are written
/// to be read as one unit and fit the model. A passage whose text the document already has (a file of one phrase
/// repeated for megabytes) is kept once: its copies add nothing to read, and as thousands of passages holding the same
/// words they would fill every search's candidates and make those words common to BM25.
/// </summary>
/// <param name="tokenizer">Counts tokens as the embedding model does (<see cref="ArgumentNullException"/> when null).</param>
/// <param name="maxTokens">Longest passage, in tokens; positive (<see cref="ArgumentOutOfRangeException"/> otherwise).</param>
/// <param name="overlapTokens">Tokens repeated between consecutive passages; from 0 to below <paramref name="maxTokens"/> (<see cref="ArgumentOutOfRangeException"/> otherwise).</param>
public sealed class PassageSplitter(ITokenizer tokenizer, int maxTokens, int overlapTokens)
{
    private readonly ITokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
    private readonly int _maxTokens = maxTokens > 0 ? maxTokens : throw new ArgumentOutOfRangeException(nameof(maxTokens));
    private readonly int _overlapTokens = overlapTokens >= 0 && overlapTokens < maxTokens ? overlapTokens : throw new ArgumentOutOfRangeException(nameof(overlapTokens));

    /// <summary>The passages of one corpus entry.</summary>
    internal IReadOnlyList<Passage> Split(CorpusEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var paper = entry.Paper;
        if (entry.IsAbstract || _tokenizer.CountTokens(paper.Abstract) <= _maxTokens)
        {
            return [new Passage(PassageId(paper.Id, 0), paper.Id, 0, paper.Abstract)];
        }

        var sentences = SentenceSplitter.Split(paper.Abstract)
            .SelectMany(SplitOversized)
            .Select(s => (Text: s, Tokens: _tokenizer.CountTokens(s)))
            .ToList();

        var passages = new List<Passage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var start = 0;
        while (start < sentences.Count)
        {
            var end = start;
            var tokens = 0;
            while (end < sentences.Count && (end == start || tokens + sentences[end].Tokens <= _maxTokens))
            {
                tokens += sentences[end].Tokens;
                end++;
            }

            var text = string.Join(' ', sentences.Skip(start).Take(end - start).Select(s => s.Text));
            if (seen.Add(text))
            {
                passages.Add(new Passage(PassageId(paper.Id, passages.Count), paper.Id, passages.Count, text));
            }

            if (end >= sentences.Count)
            {
                break;
            }

            // Step back over trailing sentences that fit the overlap, but always advance at least one sentence.
            var next = end;
            var overlap = 0;
            while (next - 1 > start && overlap + sentences[next - 1].Tokens <= _overlapTokens)
            {
                next--;
                overlap += sentences[next].Tokens;
            }

            start = next;
        }

        return passages;
    }

    /// <summary>The id of passage <paramref name="index"/> of a paper.</summary>
    /// <param name="paperId">The paper's id.</param>
    /// <param name="index">The passage's 0-based position in the paper.</param>
    /// <returns>"{paperId}#{index}".</returns>
    public static string PassageId(string paperId, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{paperId}#{index}");

    // A "sentence" longer than a whole passage (a table dump, a PDF without punctuation) is cut by words.
    private IEnumerable<string> SplitOversized(string sentence)
    {
        if (_tokenizer.CountTokens(sentence) <= _maxTokens)
        {
            yield return sentence;
            yield break;
        }

        var chunk = new List<string>();
        var tokens = 0;
        foreach (var word in sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var wordTokens = _tokenizer.CountTokens(word);
            if (chunk.Count > 0 && tokens + wordTokens > _maxTokens)
            {
                yield return string.Join(' ', chunk);
                chunk.Clear();
                tokens = 0;
            }

            chunk.Add(word);
            tokens += wordTokens;
        }

        if (chunk.Count > 0)
        {
            yield return string.Join(' ', chunk);
        }
    }
}
