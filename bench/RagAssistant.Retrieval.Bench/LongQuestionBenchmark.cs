using System.Diagnostics;
using RagAssistant.Core;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// BM25 search time for questions of many distinct terms (up to Lucene's clause limit and past it), over the shipped
/// corpus: what capping the query at <see cref="Bm25Index.MaxQueryTerms"/> costs or saves.
/// </summary>
internal static class LongQuestionBenchmark
{
    public static async Task<IReadOnlyList<LongQuestionResult>> RunAsync(string corpus, int rounds, CancellationToken cancellationToken)
    {
        var options = new RetrievalOptions();
        var loaded = await new CorpusLoader(new PassageSplitter(ApproximateTokenizer.Instance, options.PassageMaxTokens, options.PassageOverlapTokens))
            .LoadAsync(corpus, cancellationToken);
        var titles = loaded.Papers.ToDictionary(p => p.Id, p => p.Title);
        using var bm25 = new Bm25Index([.. loaded.Passages.Select(p => new Bm25Document(titles[p.PaperId], p.Text))], options.Bm25);

        // The corpus's own words, so a long question has many terms that all match something.
        var words = loaded.Papers.SelectMany(p => p.Abstract.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(w => w.Trim('.', ',', ';', ':', '(', ')', '"').ToLowerInvariant())
            .Where(w => w.Length > 2 && w.All(char.IsLetter))
            .Distinct()
            .ToList();
        var questions = new (string Name, string Text)[]
        {
            ("short question", "How does speculative decoding speed up inference?"),
            ("520 codes (absent)", string.Join(' ', Enumerable.Range(0, 520).Select(i => $"{(char)('a' + (i / 20))}{(char)('a' + (i % 20))}{i % 10}"))),
            ("2,000 chars of corpus words", Take(words, 2_000)),
            ("4,000 chars of corpus words", Take(words, 4_000)),
            ("8,000 chars (chat history joined)", Take(words, 8_000)),
            ("2,000 CJK characters", string.Concat(Enumerable.Range(0x4E00, 2_000).Select(c => (char)c))),
        };

        var results = new List<LongQuestionResult>();
        foreach (var (name, text) in questions)
        {
            for (var i = 0; i < 5; i++)
            {
                bm25.Search(text, options.CandidateCount);
            }

            var samples = new List<double>(rounds);
            for (var i = 0; i < rounds; i++)
            {
                var watch = Stopwatch.StartNew();
                bm25.Search(text, options.CandidateCount);
                samples.Add(watch.Elapsed.TotalMilliseconds);
            }

            var terms = bm25.Analyze(text).Distinct().ToList();
            results.Add(new LongQuestionResult(name, text.Length, terms.Count, terms.Count(t => bm25.DocumentFrequency(t) > 0), bm25.MaxQueryTerms, LatencySummary.Of(samples)));
        }

        return results;
    }

    private static string Take(List<string> words, int chars)
    {
        var text = new System.Text.StringBuilder();
        foreach (var word in words)
        {
            if (text.Length + word.Length + 1 > chars)
            {
                break;
            }

            text.Append(word).Append(' ');
        }

        return text.ToString();
    }
}

/// <summary>One long question: its size, distinct and in-corpus terms, the cap, and BM25 search time.</summary>
internal sealed record LongQuestionResult(string Question, int Chars, int DistinctTerms, int TermsInCorpus, int MaxQueryTerms, LatencySummary Search);
